"""Nodes without a handler are expanded into their ONNX function body (schema or model-local)."""
import numpy as np
import pytest
from onnx import TensorProto as P
from onnx import helper as h

from converter.errors import UnsupportedOpsError
from converter.tf_ops import load_default_registry
from converter.tf_ops.module import OnnxModule
from converter.tf_ops.registry import OpRegistry
from tests.tf_ops._dynamic_batch import make_model, run_dynamic


def _registry_with(ops: list[str], opset: int) -> OpRegistry:
    """A registry holding only the default handlers of `ops` (so the op under test must be expanded)."""
    default = load_default_registry()
    registry = OpRegistry()
    for op in ops:
        entry = default.lookup(op, opset)
        registry.register(op, since=entry.since, handler=entry.handler)
    return registry


def test_schema_function_with_attribute_reference():
    """ThresholdedRelu's body reads `alpha` through ref_attr_name."""
    registry = _registry_with(["Constant", "CastLike", "Less", "Where"], 22)
    node = h.make_node("ThresholdedRelu", ["x"], ["y"], alpha=0.5)
    model = make_model([node], [h.make_tensor_value_info("x", P.FLOAT, [None, 4])],
                       [h.make_tensor_value_info("y", P.FLOAT, None)], opset=22)
    x = np.array([[0.2, 0.5, 0.7, -1.0], [2.0, 0.49, 0.51, 0.0]], np.float32)
    (y,) = run_dynamic(model, {"x": x}, registry=registry)
    np.testing.assert_array_equal(y, np.where(x > 0.5, x, 0))


def test_context_dependent_function_layer_normalization():
    body_ops = ["Constant", "Cast", "Shape", "Size", "Slice", "Neg", "ConstantOfShape", "Concat", "Flatten",
                "ReduceMean", "Mul", "Sub", "Add", "Sqrt", "Div", "Identity", "Reshape", "Reciprocal"]
    registry = _registry_with(body_ops, 18)
    node = h.make_node("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=-1, epsilon=1e-5)
    model = make_model([node], [h.make_tensor_value_info(n, P.FLOAT, s) for n, s in
                                (("x", [None, 6]), ("scale", [6]), ("bias", [6]))],
                       [h.make_tensor_value_info("y", P.FLOAT, None)], opset=18)
    rng = np.random.default_rng(0)
    x, scale, bias = (rng.standard_normal(s).astype(np.float32) for s in ((3, 6), (6,), (6,)))
    (y,) = run_dynamic(model, {"x": x, "scale": scale, "bias": bias},
                       {"x": [None, 6], "scale": [6], "bias": [6]}, registry=registry)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5) * scale + bias, rtol=1e-5, atol=1e-5)


def _local_functions():
    """custom::AddRelu(a, b) = Relu(a + b); custom::Twice(a) = AddRelu(a, a) (nested local functions)."""
    add_relu = h.make_function("custom", "AddRelu", ["a", "b"], ["out"],
                               [h.make_node("Add", ["a", "b"], ["s"]), h.make_node("Relu", ["s"], ["out"])],
                               [h.make_opsetid("", 17)])
    twice = h.make_function("custom", "Twice", ["a"], ["out"],
                            [h.make_node("AddRelu", ["a", "a"], ["out"], domain="custom")],
                            [h.make_opsetid("", 17), h.make_opsetid("custom", 1)])
    return [add_relu, twice]


def test_model_local_functions_nested():
    nodes = [h.make_node("Twice", ["x"], ["y"], domain="custom")]
    model = make_model(nodes, [h.make_tensor_value_info("x", P.FLOAT, [None, 3])],
                       [h.make_tensor_value_info("y", P.FLOAT, None)], functions=_local_functions())
    x = np.array([[-1.0, 0.5, 2.0]], np.float32)
    (y,) = run_dynamic(model, {"x": x}, registry=_registry_with(["Add", "Relu"], 17))
    np.testing.assert_array_equal(y, np.maximum(x + x, 0))


def test_preflight_reports_bodies_with_unsupported_ops():
    nodes = [h.make_node("Twice", ["x"], ["y"], domain="custom")]
    model = make_model(nodes, [h.make_tensor_value_info("x", P.FLOAT, [None, 3])],
                       [h.make_tensor_value_info("y", P.FLOAT, None)], functions=_local_functions())
    with pytest.raises(UnsupportedOpsError, match="Twice"):
        OnnxModule(model, _registry_with(["Add"], 17))           # Relu missing inside the body


def test_registered_handler_wins_over_expansion():
    registry = _registry_with(["Add", "Relu"], 17)
    registry.register("AddRelu", since=1, domain="custom", handler=lambda ctx, node: [node.inputs[0] * 0 + 7])
    nodes = [h.make_node("AddRelu", ["x", "x"], ["y"], domain="custom")]
    model = make_model(nodes, [h.make_tensor_value_info("x", P.FLOAT, [None, 3])],
                       [h.make_tensor_value_info("y", P.FLOAT, None)], functions=_local_functions())
    (y,) = run_dynamic(model, {"x": np.ones((2, 3), np.float32)}, registry=registry)
    np.testing.assert_array_equal(y, np.full((2, 3), 7, np.float32))
