"""FoldBatchNormIntoLinearPass: a BatchNorm over a linear layer's features becomes part of the layer, with
PyTorch's numbers (ONNX's reference evaluator and our translation), through both exporters: timm's own LeViT
LinearNorm (Linear, flatten, BatchNorm1d, reshape back), an MLP's Linear (+ bias) -> BatchNorm1d -> ReLU, and
through the whole translation pass list. Left alone where a fold would change the numbers: a BatchNorm over
another axis than the layer's features, a reshape that splits the features, a layer output read elsewhere."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fold_batch_norm_into_linear import FoldBatchNormIntoLinearPass
from tests.onnx_passes._helpers import export_module, randomise_batch_norms, run_passes


def _levit_linear_norm() -> torch.nn.Module:
    from benchmarks.zoo import torchvision_shim
    torchvision_shim.install()         # timm imports torchvision
    from timm.models.levit import LinearNorm
    return LinearNorm(16, 24)


class TokensLinearNorm(torch.nn.Module):
    """LeViT's LinearNorm with a bias (MatMul + Add over tokens)."""

    def __init__(self):
        super().__init__()
        self.linear, self.norm = torch.nn.Linear(16, 24), torch.nn.BatchNorm1d(24)

    def forward(self, x):
        y = self.linear(x)
        return self.norm(y.flatten(0, 1)).reshape_as(y)


class SplitFeatures(torch.nn.Module):
    """Linear to 12 features, reshaped to [2B, 6]: the BatchNorm's 6 channels are not the layer's features."""

    def __init__(self):
        super().__init__()
        self.linear, self.norm = torch.nn.Linear(8, 12), torch.nn.BatchNorm1d(6)

    def forward(self, x):
        return self.norm(self.linear(x).reshape(-1, 6))


class ReadTwice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear, self.norm = torch.nn.Linear(8, 6), torch.nn.BatchNorm1d(6)

    def forward(self, x):
        y = self.linear(x)
        return self.norm(y) + y


BOTH = ("torchscript", "dynamo")
# torch.export's ONNX optimizer folds a 2-D Linear -> BatchNorm1d into the Gemm itself: TorchScript's only.
CASES = {   # name: (module builder, input shape, BatchNorms folded, exporters)
    "levit_linear_norm": (_levit_linear_norm, (2, 5, 16), 1, BOTH),
    "tokens_linear_bias_norm": (TokensLinearNorm, (2, 5, 16), 1, BOTH),
    "mlp_linear_bias_bn_relu": (lambda: torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.BatchNorm1d(6),
                                                            torch.nn.ReLU()), (3, 8), 1, ("torchscript",)),
    "embedding_head_ends_in_bn": (lambda: torch.nn.Sequential(torch.nn.Linear(8, 6, bias=False),
                                                              torch.nn.BatchNorm1d(6)), (3, 8), 1, ("torchscript",)),
    "norm_over_other_axis": (lambda: torch.nn.Sequential(torch.nn.Linear(7, 9), torch.nn.BatchNorm1d(4)),
                             (3, 4, 7), 0, BOTH),
    "reshape_splits_features": (SplitFeatures, (3, 8), 0, BOTH),
    "layer_output_read_twice": (ReadTwice, (3, 8), 0, BOTH),
}


def _norms(model: onnx.ModelProto) -> int:
    return sum(n.op_type == "BatchNormalization" for n in model.graph.node)


@pytest.mark.parametrize("name,exporter", [(n, e) for n in sorted(CASES) for e in CASES[n][3]])
def test_fold_matches_torch(name, exporter):
    build, shape, folds, _ = CASES[name]
    torch.manual_seed(0)
    module = randomise_batch_norms(build())
    x = torch.randn(*shape)
    model = export_module(module, x, dynamo=exporter == "dynamo")
    assert _norms(model) == 1
    folded, (modified,) = run_passes(model, [FoldBatchNormIntoLinearPass()])
    assert (_norms(folded), modified) == (1 - folds, bool(folds))
    assert [o.name for o in folded.graph.output] == [o.name for o in model.graph.output]
    expected = module(x).detach().numpy()
    np.testing.assert_allclose(ReferenceEvaluator(folded).run(None, {"x": x.numpy()})[0], expected,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(prepare(folded).run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bias", [None, "vector", "row"])
def test_gemm_with_alpha_beta_and_transposed_weight(bias):
    """Gemm(x, W^T, C) * alpha / beta as other exporters write it, C absent, of shape [C] or [1, C]; numbers
    against the same graph unfolded in ONNX Runtime."""
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    arrays = {"w": rng.standard_normal((6, 8)), "gamma": rng.uniform(0.5, 1.5, 6), "beta": rng.uniform(-.5, .5, 6),
              "mean": rng.uniform(-1, 1, 6), "var": rng.uniform(0.5, 2, 6)}
    if bias is not None:
        arrays["c"] = rng.standard_normal(6 if bias == "vector" else (1, 6))
    gemm = helper.make_node("Gemm", ["x", "w"] + (["c"] if bias else []), ["y"], alpha=0.5, beta=2.0, transB=1)
    norm = helper.make_node("BatchNormalization", ["y", "gamma", "beta", "mean", "var"], ["z"], epsilon=1e-3)
    graph = helper.make_graph([gemm, norm], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n", 6])],
                              [numpy_helper.from_array(a.astype(np.float32), k) for k, a in arrays.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    folded, (modified,) = run_passes(model, [FoldBatchNormIntoLinearPass()])
    assert modified and _norms(folded) == 0 and [n.op_type for n in folded.graph.node] == ["Gemm"]
    x = rng.standard_normal((4, 8)).astype(np.float32)
    expected = onnxruntime.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_allclose(ReferenceEvaluator(folded).run(None, {"x": x})[0], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_levit_block_through_the_translation_passes(dynamo):
    """Two LinearNorms around a Hardswish, exported with a dynamic batch, through every translation pass:
    no BatchNormalization left, each linear layer one converter.fused::Linear (its folded bias taken in),
    PyTorch's numbers at two batch sizes."""
    from converter.config import ConversionConfig
    from converter.onnx_passes.pipeline import run_passes as run_pipeline

    torch.manual_seed(0)
    first, second = _levit_linear_norm(), _levit_linear_norm()
    second = type(second)(24, 16)
    module = randomise_batch_norms(torch.nn.Sequential(first, torch.nn.Hardswish(), second))
    model = export_module(module, torch.randn(2, 5, 16), dynamo, dynamic_batch=True)
    _, translated, _ = run_pipeline(model, ConversionConfig(checkpoint="levit.onnx", name="levit"))
    ops = [n.op_type for n in translated.graph.node]
    assert "BatchNormalization" not in ops and ops.count("Linear") == 2
    backend = prepare(translated)
    for batch in (1, 3):
        x = torch.randn(batch, 5, 16)
        np.testing.assert_allclose(backend.run([x.numpy()])[0], module(x).detach().numpy(), rtol=1e-4, atol=1e-5)
