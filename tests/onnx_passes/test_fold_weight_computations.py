"""FoldWeightComputationsPass: nodes computing from weights alone become initializers, on real layers (a
weight-normalised Conv1d as wav2vec2's positional convolution saves it, CLIP's `logit_scale.exp()`, a
relative-position table projected by a linear layer as DeBERTa does) from both exporters, with the numbers of
PyTorch at a batch other than the export's; and what it leaves alone (anything reading an input, an alias,
a random op, a result larger than its inputs and the size limit)."""
from __future__ import annotations

import numpy as np
import onnx
import onnx.reference
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.config import ConversionConfig
from converter.onnx_passes import fold_weight_computations
from converter.onnx_passes.fold_weight_computations import FoldWeightComputationsPass
from converter.onnx_passes.pipeline import run_passes as pipeline_passes
from tests.onnx_passes._helpers import export_module, run_passes

RNG = np.random.default_rng(0)


class WeightNormConv(torch.nn.Module):
    """wav2vec2's positional convolution: a grouped Conv1d under weight normalisation (dim 2), then GELU."""

    def __init__(self):
        super().__init__()
        conv = torch.nn.Conv1d(64, 64, 16, padding=8, groups=4)
        self.conv = torch.nn.utils.parametrizations.weight_norm(conv, name="weight", dim=2)

    def forward(self, x):
        return torch.nn.functional.gelu(self.conv(x))


class ScaledSimilarity(torch.nn.Module):
    """CLIP's head: logits = exp(logit_scale) * a @ b^T, and a position table projected by a linear layer and
    added to every row, as DeBERTa-v2 projects its relative embeddings."""

    def __init__(self):
        super().__init__()
        self.logit_scale = torch.nn.Parameter(torch.tensor(2.6592))
        self.positions = torch.nn.Parameter(torch.randn(64, 64))
        self.key = torch.nn.Linear(64, 64)

    def forward(self, x):
        keys = self.key(self.positions)                                   # [64, 64], from weights alone
        return self.logit_scale.exp() * (x @ keys.T)


def _computing_nodes(model: onnx.ModelProto) -> list[str]:
    """Op types of the nodes that read no graph input, directly or not (what the pass should remove)."""
    live = {i.name for i in model.graph.input}
    weight_only = []
    for node in model.graph.node:
        if any(name in live for name in node.input):
            live.update(node.output)
        elif node.op_type not in ("Constant", "Identity"):
            weight_only.append(node.op_type)
    return weight_only


@pytest.mark.parametrize("module, shape, dynamo, computed", [
    # torch.export's exporter folds small weight computations itself (onnxscript's optimizer), not this 16 K one
    (WeightNormConv, (2, 64, 20), True, ["ReduceL2", "Div", "Mul"]),
    (WeightNormConv, (2, 64, 20), False, []),
    (ScaledSimilarity, (2, 5, 64), True, []),
    # the TorchScript exporter leaves parameters used outside a layer's own call unfolded
    (ScaledSimilarity, (2, 5, 64), False, ["Gemm", "Exp", "Transpose"]),
], ids=["weight norm-torch.export", "weight norm-torchscript", "exp scale-torch.export", "exp scale-torchscript"])
def test_weight_computations_fold_with_the_numbers_of_pytorch(module, shape, dynamo, computed):
    torch.manual_seed(0)
    module = module().eval()
    exported = export_module(module, torch.randn(shape), dynamo=dynamo, dynamic_batch=True)
    reference, translated, records = pipeline_passes(exported, ConversionConfig(checkpoint="m.onnx", name="m"))
    assert _computing_nodes(reference) == computed
    assert _computing_nodes(translated) == []
    assert [r.modified for r in records if r.name == "FoldWeightComputationsPass"] == [bool(computed)]

    x = RNG.standard_normal((3, *shape[1:])).astype(np.float32)         # batch 3, exported at 2
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(prepare(translated).run([x])[0], expected, rtol=1e-4, atol=1e-5)


def _graph(nodes, initializers, outputs=("y",)) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                                                   for o in outputs],
                              initializer=[numpy_helper.from_array(a, n) for n, a in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _fold(model: onnx.ModelProto) -> tuple[onnx.ModelProto, bool]:
    folded, (modified,) = run_passes(model, [FoldWeightComputationsPass()])
    feeds = {"x": RNG.standard_normal((3, 4)).astype(np.float32)}
    for got, expected in zip(ReferenceEvaluator(folded).run(None, feeds), ReferenceEvaluator(model).run(None, feeds)):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    return folded, modified


def test_a_chain_through_an_alias_folds_whole_and_the_alias_stays_for_its_other_reader():
    w = RNG.standard_normal((4, 4)).astype(np.float32)
    folded, modified = _fold(_graph([helper.make_node("Identity", ["w"], ["w_alias"]),
                                     helper.make_node("Exp", ["w_alias"], ["e"]),
                                     helper.make_node("Transpose", ["e"], ["t"], perm=[1, 0]),
                                     helper.make_node("MatMul", ["x", "t"], ["y"]),
                                     helper.make_node("MatMul", ["x", "w_alias"], ["z"])], {"w": w}, ("y", "z")))
    assert modified and [n.op_type for n in folded.graph.node] == ["Identity", "MatMul", "MatMul"]
    product = next(n for n in folded.graph.node if n.output[0] == "y")
    weight = next(i for i in folded.graph.initializer if i.name == product.input[1])
    np.testing.assert_allclose(numpy_helper.to_array(weight), np.exp(w).T, rtol=1e-6)


@pytest.mark.parametrize("nodes, initializers", [
    ([helper.make_node("Mul", ["x", "w"], ["y"])], {"w": np.ones(4, np.float32)}),
    ([helper.make_node("Identity", ["w"], ["i"]), helper.make_node("Add", ["x", "i"], ["y"])],
     {"w": np.ones(4, np.float32)}),
    ([helper.make_node("RandomNormalLike", ["w"], ["r"], seed=1.0), helper.make_node("Add", ["x", "r"], ["y"])],
     {"w": np.ones(4, np.float32)}),
    ([helper.make_node("Expand", ["w", "shape"], ["e"]), helper.make_node("ReduceSum", ["e"], ["s"]),
      helper.make_node("Add", ["x", "s"], ["y"])],
     {"w": np.ones(4, np.float32), "shape": np.array([fold_weight_computations.MAX_FOLDED_ELEMENTS // 2, 4])}),
], ids=["reads the input", "alias only", "random", "too large"])
def test_left_alone(nodes, initializers):
    folded, modified = _fold(_graph(nodes, initializers))
    assert not modified and [n.op_type for n in folded.graph.node] == [n.op_type for n in nodes]


def test_a_result_declared_too_large_is_not_evaluated(monkeypatch):
    model = onnx.shape_inference.infer_shapes(_graph(
        [helper.make_node("Expand", ["w", "shape"], ["e"]), helper.make_node("ReduceSum", ["e"], ["s"]),
         helper.make_node("Add", ["x", "s"], ["y"])], {"w": np.ones(4, np.float32), "shape": np.array([1 << 40, 4])}))
    evaluated = []
    monkeypatch.setattr(onnx.reference, "ReferenceEvaluator", lambda proto, **_: evaluated.append(proto.op_type))
    assert not run_passes(model, [FoldWeightComputationsPass()])[1][0]
    assert evaluated == []                      # 4 T elements declared: never built


def test_a_weight_overridable_as_input_is_not_a_constant():
    """Old models list initializers among the inputs (IR < 4): such a value is a default the caller may replace."""
    model = _graph([helper.make_node("Exp", ["w"], ["e"]), helper.make_node("Add", ["x", "e"], ["y"])],
                   {"w": np.ones(4, np.float32)})
    model.graph.input.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [4]))
    _, (modified,) = run_passes(model, [FoldWeightComputationsPass()])
    assert not modified


def test_inputs_too_large_to_evaluate_here_are_left(monkeypatch):
    monkeypatch.setattr(fold_weight_computations, "MAX_INPUT_ELEMENTS", 15)
    model = _graph([helper.make_node("Exp", ["w"], ["e"]), helper.make_node("Add", ["x", "e"], ["y"])],
                   {"w": np.ones(16, np.float32).reshape(4, 4)[0]})
    assert _fold(model)[1]                          # 4 elements: folded
    model = _graph([helper.make_node("MatMul", ["w", "w"], ["p"]), helper.make_node("MatMul", ["x", "p"], ["y"])],
                   {"w": np.ones((4, 4), np.float32)})
    assert not _fold(model)[1]                      # 16 + 16 elements read
