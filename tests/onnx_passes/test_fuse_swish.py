"""FuseSwishPass: SiLU as exported, Mul(x, Sigmoid(x)), becomes converter.fused::Swish, on real layers (the MLP of
transformers' Llama, torchvision's EfficientNet block with its squeeze-excitation) from both exporters, with the
numbers of PyTorch at a batch other than the export's; what it leaves alone (a Sigmoid read twice, a gate
multiplying another tensor); and the form the translation picks by size (converter/tf_ops/_swish.py)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import tensorflow as tf
import torch
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.config import ConversionConfig
from converter.onnx_passes.fuse_swish import FuseSwishPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.onnx_passes.pipeline import run_passes as pipeline_passes
from converter.tf_ops._swish import SMALL_SWISH, swish
from converter.tf_ops.fused import FUSED_DOMAIN
from tests.onnx_passes._helpers import export_module, randomise_batch_norms, run_passes, torchvision_importable

RNG = np.random.default_rng(0)


class LlamaMlp(torch.nn.Module):
    """transformers' LlamaMLP: down(silu(gate(x)) * up(x))."""

    def __init__(self):
        super().__init__()
        torchvision_importable()       # transformers imports torchvision when it is installed
        import transformers
        from transformers.models.llama.modeling_llama import LlamaMLP
        self.mlp = LlamaMLP(transformers.LlamaConfig(hidden_size=32, intermediate_size=64))

    def forward(self, x):
        return self.mlp(x)


class EfficientNetBlock(torch.nn.Module):
    """torchvision's MBConv (expand 1x1 + SiLU, depthwise 3x3 + SiLU, squeeze-excitation with a SiLU inside and a
    Sigmoid gate, project 1x1) as EfficientNet-B0's stage 2 builds it."""

    def __init__(self):
        super().__init__()
        torchvision_importable()
        from torchvision.models.efficientnet import MBConv, MBConvConfig
        self.block = randomise_batch_norms(MBConv(MBConvConfig(6, 3, 1, 16, 16, 1), 0.0, torch.nn.BatchNorm2d))

    def forward(self, x):
        return self.block(x)


def _ops(model: onnx.ModelProto, domain: str, op_type: str) -> int:
    return sum(n.domain == domain and n.op_type == op_type for n in model.graph.node)


@pytest.mark.parametrize("dynamo", [True, False], ids=["torch.export", "torchscript"])
@pytest.mark.parametrize("kind, shape, swishes, gates", [("llama", (2, 6, 32), 1, 0), ("efficientnet", (2, 16, 12, 12), 3, 1)])
def test_silu_fuses_with_the_numbers_of_pytorch(kind, shape, swishes, gates, dynamo):
    torch.manual_seed(0)
    module = (LlamaMlp() if kind == "llama" else EfficientNetBlock()).eval()
    exported = export_module(module, torch.randn(shape), dynamo=dynamo, dynamic_batch=True)
    reference, translated, records = pipeline_passes(exported, ConversionConfig(checkpoint="m.onnx", name="m"))
    assert _ops(reference, "", "Sigmoid") == swishes + gates
    assert _ops(translated, FUSED_DOMAIN, "Swish") == swishes
    assert _ops(translated, "", "Sigmoid") == gates         # the squeeze-excitation gate multiplies another tensor
    assert [r.op_count_diff.get("Swish") for r in records if r.name == "FuseSwishPass"] == [swishes]

    x = RNG.standard_normal((3, *shape[1:])).astype(np.float32)         # batch 3, exported at 2
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(prepare(translated).run([x])[0], expected, rtol=1e-4, atol=1e-4)


def _graph(nodes, outputs=("y",)) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", 8]) for n in ("x", "z")]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                                                   for o in outputs])
    return onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]))


def _fuse(model: onnx.ModelProto) -> tuple[onnx.ModelProto, bool]:
    fused, (modified,) = run_passes(model, [FuseSwishPass()])
    feeds = {"x": RNG.standard_normal((3, 8)).astype(np.float32), "z": RNG.standard_normal((3, 8)).astype(np.float32)}
    for got, expected in zip(ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, feeds),
                             ReferenceEvaluator(model).run(None, feeds)):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    return fused, modified


@pytest.mark.parametrize("operands", [["x", "s"], ["s", "x"]])
def test_either_operand_order_fuses(operands):
    fused, modified = _fuse(_graph([helper.make_node("Sigmoid", ["x"], ["s"]),
                                    helper.make_node("Mul", operands, ["y"])]))
    assert modified and [(n.domain, n.op_type) for n in fused.graph.node] == [(FUSED_DOMAIN, "Swish")]
    assert [o.name for o in fused.graph.output] == ["y"]


@pytest.mark.parametrize("nodes, outputs", [
    ([helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["s", "z"], ["y"])], ("y",)),
    ([helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])], ("y", "s")),
    ([helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"]),
      helper.make_node("Add", ["s", "z"], ["w"])], ("y", "w")),
], ids=["gate on another tensor", "sigmoid is an output", "sigmoid read twice"])
def test_left_alone(nodes, outputs):
    fused, modified = _fuse(_graph(nodes, outputs))
    assert not modified and [n.op_type for n in fused.graph.node] == [n.op_type for n in nodes]


def _swish_ops(x: np.ndarray) -> list[str]:
    graph = tf.function(swish).get_concrete_function(tf.TensorSpec([None, *x.shape[1:]], x.dtype)).graph
    return [op.type for op in graph.get_operations() if op.type not in ("Placeholder", "Identity")]


@pytest.mark.parametrize("shape, dtype, ops", [
    ((3, 16, 64), np.float32, ["Sigmoid", "MulNoNan"]),               # a small LLM's MLP
    ((3, 1, 1, 32), np.float32, ["Sigmoid", "MulNoNan"]),             # a squeeze-excitation's inner SiLU
    ((2, SMALL_SWISH), np.float32, ["Sigmoid", "MulNoNan"]),
    ((2, SMALL_SWISH + 1), np.float32, ["Sigmoid", "Mul"]),           # left for the remapper to fuse
    ((2, 28, 28, 32), np.float32, ["Sigmoid", "Mul"]),
    ((3, 16, 64), np.float64, ["Sigmoid", "Mul"]),
])
def test_swish_form_by_size(shape, dtype, ops):
    x = (RNG.standard_normal(shape) * 6).astype(dtype)
    x.reshape(-1)[:5] = [0.0, -0.0, np.inf, np.nan, 1e4]       # MulNoNan equals Mul at x = 0, inf and nan too
    wide = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = wide / (1.0 + np.exp(-wide))
    np.testing.assert_allclose(swish(tf.constant(x)).numpy(), expected, rtol=1e-6, atol=1e-30)
    assert _swish_ops(x) == ops
