"""FuseLinearLayerPass: token-wise linear layers with their bias and activation become converter.fused::Linear
with the same numbers (PyTorch as reference, through onnx's reference evaluator and through our TF
translation, on both exporters); a shared intermediate value ends the match there; layers the pass must
leave alone stay as they are; the translation falls back to the plain ops where TF's shapes do not allow
the 2-D form."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fuse_gelu import FuseGeluPass
from converter.onnx_passes.fuse_linear_layer import FuseLinearLayerPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.tf_ops.fused import FUSED_DOMAIN
from tests.onnx_passes._helpers import export_module, run_passes


class TokenLayers(torch.nn.Module):
    """One linear layer per activation, one without bias, one whose pre-activation is used twice."""

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(8, 8) for _ in range(5))
        self.activations = [torch.relu, torch.tanh, torch.sigmoid, torch.nn.GELU(approximate="tanh"), torch.nn.GELU()]
        self.no_bias = torch.nn.Linear(8, 8, bias=False)
        self.shared = torch.nn.Linear(8, 8)

    def forward(self, x):
        for layer, activation in zip(self.layers, self.activations):
            x = activation(layer(x))
        x = torch.relu(self.no_bias(x))
        pre = self.shared(x)
        return torch.sigmoid(pre) + pre


def _linears(model: onnx.ModelProto) -> list[tuple[str, str, int]]:
    """(activation, approximate, inputs) of each converter.fused::Linear, in graph order."""
    found = []
    for node in model.graph.node:
        if node.domain == FUSED_DOMAIN and node.op_type == "Linear":
            attrs = {a.name: helper.get_attribute_value(a).decode() for a in node.attribute}
            found.append((attrs.get("activation", ""), attrs.get("approximate", ""), len(node.input)))
    return found


@pytest.mark.parametrize("dynamo", [True, False], ids=["torch.export", "torchscript"])
def test_linear_layers_fuse_with_same_numbers(dynamo):
    torch.manual_seed(0)
    module = TokenLayers().eval()
    x = torch.randn(2, 5, 8) * 2
    model = export_module(module, x, dynamo)
    fused, (_, modified) = run_passes(model, [FuseGeluPass(), FuseLinearLayerPass()])
    assert modified
    assert _linears(fused) == [("Relu", "", 3), ("Tanh", "", 3), ("Sigmoid", "", 3), ("Gelu", "tanh", 3),
                               ("Gelu", "none", 3), ("Relu", "", 2), ("", "", 3)]
    left = [n.op_type for n in fused.graph.node if n.op_type in ("MatMul", "Relu", "Tanh", "Sigmoid", "Gelu", "Add")]
    assert left == ["Sigmoid", "Add"]             # the shared pre-activation: its own Sigmoid and the residual
    expected = module(x).detach().numpy()
    reference = ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(reference, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(fused).run([x.numpy()])[0], expected, rtol=1e-5, atol=1e-5)


def _layer_model(x_shape, weight: np.ndarray, bias: np.ndarray | None, tail: str | None,
                 dtype=TensorProto.FLOAT) -> onnx.ModelProto:
    """x @ weight (+ bias) (-> tail activation), with `x` of `x_shape` (strings: symbolic dims)."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["product"])]
    last = "product"
    initializers = [numpy_helper.from_array(weight, "w")]
    if bias is not None:
        nodes.append(helper.make_node("Add", [last, "b"], ["biased"]))
        initializers.append(numpy_helper.from_array(bias, "b"))
        last = "biased"
    if tail is not None:
        nodes.append(helper.make_node(tail, [last], ["activated"]))
        last = "activated"
    nodes.append(helper.make_node("Identity", [last], ["y"]))
    graph = helper.make_graph(nodes, "layer", [helper.make_tensor_value_info("x", dtype, x_shape)],
                              [helper.make_tensor_value_info("y", dtype, None)], initializers)
    return onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]))


def _check_same_numbers(model: onnx.ModelProto, fused: onnx.ModelProto, x: np.ndarray, tolerance: float = 1e-5):
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x})[0],
                               expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(prepare(fused).run([x])[0], expected, rtol=tolerance, atol=tolerance)


_RNG = np.random.default_rng(3)
_W = _RNG.standard_normal((6, 4)).astype(np.float32)
_B = _RNG.standard_normal(4).astype(np.float32)


@pytest.mark.parametrize("x_shape", [[2, 3, 6], ["batch", "tokens", 6]], ids=["static", "two-unknown-dims"])
def test_translation_falls_back_where_tf_cannot_reshape(x_shape):
    # two unknown leading dimensions: no static reshape target, so the fused op runs as the plain ops
    model = _layer_model(x_shape, _W, _B, "Tanh")
    fused, (modified,) = run_passes(model, [FuseLinearLayerPass()])
    assert modified and _linears(fused) == [("Tanh", "", 3)]
    _check_same_numbers(model, fused, _RNG.standard_normal((2, 3, 6)).astype(np.float32))


@pytest.mark.parametrize("x_shape, bias, tail, dtype", [
    ([2, 6], _B, "Relu", TensorProto.FLOAT),                          # a 2-D layer: TF fuses it as it is
    ([2, 3, 6], None, None, TensorProto.FLOAT),                       # a bare MatMul: nothing to take in
    ([2, 3, 6], _B.reshape(1, 4), None, TensorProto.FLOAT),           # not a vector: not BiasAdd's bias
    ([2, 3, 6], _B.astype(np.float16), "Relu", TensorProto.FLOAT16),  # half floats: a cast stands between
], ids=["2-D", "bare", "bias-[1,N]", "float16"])
def test_look_alikes_stay(x_shape, bias, tail, dtype):
    weight = _W.astype(np.float16) if dtype == TensorProto.FLOAT16 else _W
    model = _layer_model(x_shape, weight, bias, tail, dtype)
    fused, (modified,) = run_passes(model, [FuseLinearLayerPass()])
    assert not modified and not _linears(fused)
    assert [n.op_type for n in fused.graph.node] == [n.op_type for n in model.graph.node]


def test_bias_and_activation_on_shared_values_stay_outside():
    model = _layer_model([2, 3, 6], _W, _B, "Relu")
    model.graph.output.append(helper.make_tensor_value_info("product", TensorProto.FLOAT, [2, 3, 4]))
    fused, (modified,) = run_passes(model, [FuseLinearLayerPass()])
    assert not modified and not _linears(fused)
    model = _layer_model([2, 3, 6], _W, _B, "Relu")
    model.graph.output.append(helper.make_tensor_value_info("biased", TensorProto.FLOAT, [2, 3, 4]))
    fused, (modified,) = run_passes(model, [FuseLinearLayerPass()])
    assert modified and _linears(fused) == [("", "", 3)]
    assert [n.op_type for n in fused.graph.node] == ["Linear", "Relu", "Identity"]
    x = _RNG.standard_normal((2, 3, 6)).astype(np.float32)
    for name, value in zip(["y", "biased"], ReferenceEvaluator(model).run(None, {"x": x})):
        index = [o.name for o in fused.graph.output].index(name)
        np.testing.assert_allclose(ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x})[index],
                                   value, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(prepare(fused).run([x])[index], value, rtol=1e-5, atol=1e-5)
