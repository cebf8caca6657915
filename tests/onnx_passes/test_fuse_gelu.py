"""FuseGeluPass: the elementwise GELU of both exporters (exact and tanh forms) becomes one
converter.fused::Gelu with the same numbers (PyTorch as reference, through onnx's reference evaluator and
through our TF translation); other groupings of the same product fuse too; look-alikes with a different
constant, or with an intermediate value used elsewhere, stay as they are."""
from __future__ import annotations

import math

import numpy as np
import onnx
import onnx_ir as ir
import pytest
import torch
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fuse_gelu import FUSED_DOMAIN, FuseGeluPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from tests.onnx_passes._helpers import export_module

ELEMENTWISE = {"Erf", "Tanh", "Pow", "Div", "Mul"}


def _fuse(model: onnx.ModelProto) -> tuple[onnx.ModelProto, bool]:
    result = FuseGeluPass()(ir.serde.deserialize_model(model))
    return ir.serde.serialize_model(result.model), result.modified


def _gelus(model: onnx.ModelProto) -> list[str]:
    return [helper.get_attribute_value(n.attribute[0]).decode() for n in model.graph.node
            if n.domain == FUSED_DOMAIN and n.op_type == "Gelu"]


class LinearGelu(torch.nn.Module):
    def __init__(self, approximate: str):
        super().__init__()
        self.linear = torch.nn.Linear(8, 16)
        self.gelu = torch.nn.GELU(approximate=approximate)

    def forward(self, x):
        return self.gelu(self.linear(x))


@pytest.mark.parametrize("dynamo", [True, False], ids=["torch.export", "torchscript"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_exported_gelu_fuses_with_same_numbers(approximate, dynamo):
    torch.manual_seed(0)
    module = LinearGelu(approximate).eval()
    x = torch.randn(2, 5, 8) * 3
    model = export_module(module, x, dynamo)
    assert any(n.op_type in ("Erf", "Tanh") for n in model.graph.node)        # exported below opset 20
    fused, modified = _fuse(model)
    assert modified and _gelus(fused) == [approximate]
    assert not [n.op_type for n in fused.graph.node if n.op_type in ELEMENTWISE]
    # named after the linear layer's bias Add (grappler only fuses the tanh form when that sorts first)
    gelu = next(n for n in fused.graph.node if n.domain == FUSED_DOMAIN)
    producer = next(n for n in fused.graph.node if gelu.input[0] in n.output)
    assert gelu.name.startswith(f"{producer.name}_gelu"), (gelu.name, producer.name)
    expected = module(x).detach().numpy()
    reference = ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(reference, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(fused).run([x.numpy()])[0], expected, rtol=1e-5, atol=1e-5)


def _scalar(name: str, value: float):
    return helper.make_tensor(name, TensorProto.FLOAT, [], [value])


def _model(nodes, constants: dict[str, float], extra_outputs=()) -> onnx.ModelProto:
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", *extra_outputs)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])], outputs,
                              [_scalar(k, v) for k, v in constants.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _exact_times_reciprocal(x_times_half_first: bool, scale: float = 1 / math.sqrt(2)):
    """x * (1/sqrt(2)) inside Erf, then (x * 0.5) * (1 + erf) or x * ((1 + erf) * 0.5)."""
    nodes = [helper.make_node("Mul", ["c_scale", "x"], ["s"]), helper.make_node("Erf", ["s"], ["e"]),
             helper.make_node("Add", ["c_one", "e"], ["a"])]
    if x_times_half_first:
        nodes += [helper.make_node("Mul", ["x", "c_half"], ["h"]), helper.make_node("Mul", ["a", "h"], ["y"])]
    else:
        nodes += [helper.make_node("Mul", ["a", "c_half"], ["h"]), helper.make_node("Mul", ["h", "x"], ["y"])]
    return _model(nodes, {"c_scale": scale, "c_one": 1.0, "c_half": 0.5})


def _tanh_cubed_by_muls():
    nodes = [helper.make_node("Mul", ["x", "x"], ["sq"]), helper.make_node("Mul", ["sq", "x"], ["cube"]),
             helper.make_node("Mul", ["cube", "c_k"], ["kc"]), helper.make_node("Add", ["kc", "x"], ["inner"]),
             helper.make_node("Mul", ["inner", "c_r"], ["arg"]), helper.make_node("Tanh", ["arg"], ["t"]),
             helper.make_node("Add", ["t", "c_one"], ["a"]), helper.make_node("Mul", ["x", "a"], ["xa"]),
             helper.make_node("Mul", ["c_half", "xa"], ["y"])]
    return _model(nodes, {"c_k": 0.044715, "c_r": math.sqrt(2 / math.pi), "c_one": 1.0, "c_half": 0.5})


@pytest.mark.parametrize("build, approximate", [
    (lambda: _exact_times_reciprocal(True), "none"),
    (lambda: _exact_times_reciprocal(False), "none"),
    (_tanh_cubed_by_muls, "tanh"),
], ids=["reciprocal-(x*0.5)*a", "reciprocal-(a*0.5)*x", "tanh-x*x*x"])
def test_other_groupings_fuse(build, approximate):
    model = build()
    fused, modified = _fuse(model)
    assert modified and _gelus(fused) == [approximate]
    x = np.linspace(-4, 4, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(ReferenceEvaluator(fused, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x})[0],
                               ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-6, atol=1e-6)


def test_look_alikes_stay():
    fused, modified = _fuse(_exact_times_reciprocal(True, scale=0.5))        # erf(x / 2): not GELU
    assert not modified and not _gelus(fused)
    shared = _exact_times_reciprocal(True)
    shared.graph.output.append(helper.make_tensor_value_info("a", TensorProto.FLOAT, None))   # 1 + erf is an output
    fused, modified = _fuse(shared)
    assert not modified and not _gelus(fused)
    assert [n.op_type for n in fused.graph.node] == [n.op_type for n in shared.graph.node]
