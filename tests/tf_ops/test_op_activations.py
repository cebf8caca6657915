"""Activation-style elementwise ops and Clip against onnxruntime (onnx's reference for opsets it
lacks), with a dynamic batch dimension."""
import numpy as np
import pytest
from onnx import TensorProto as P

from tests.tf_ops._elementwise_runner import assert_matches

rng = np.random.default_rng(11)


def _x(dtype=np.float32):
    return (rng.standard_normal((5, 3, 4)) * 3).astype(dtype)


@pytest.mark.parametrize("op_type, attrs", [
    ("Celu", {"alpha": 2.0}), ("Elu", {"alpha": 0.5}), ("Selu", {"alpha": 2.0, "gamma": 3.0}), ("Selu", {}),
    ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("HardSwish", {}), ("LeakyRelu", {"alpha": 2.0}),
    ("LeakyRelu", {}), ("ThresholdedRelu", {"alpha": 0.7}), ("Shrink", {"lambd": 1.5, "bias": 0.5}),
    ("Gelu", {}), ("Gelu", {"approximate": "tanh"}), ("Mish", {}), ("Relu", {}),
])
def test_activation(op_type, attrs):
    assert_matches(op_type, {"x": _x()}, {"y": P.FLOAT}, opset=21, rtol=1e-4, atol=1e-5, **attrs)


def test_activations_in_float16():
    for op_type in ("Elu", "HardSwish", "Gelu", "Mish"):
        assert_matches(op_type, {"x": _x(np.float16)}, {"y": P.FLOAT16}, opset=21, rtol=5e-3, atol=5e-3)


def test_swish_opset_24():
    assert_matches("Swish", {"x": _x()}, {"y": P.FLOAT}, opset=24, engine="onnx", rtol=1e-5, alpha=1.5)


def test_shrink_on_integers():
    x = rng.integers(-5, 6, (4, 6)).astype(np.int32)
    assert_matches("Shrink", {"x": x}, {"y": P.INT32}, opset=21, lambd=1.5, bias=1.0)


def test_prelu_broadcasts_slope():
    slope = rng.random((3, 1)).astype(np.float32)
    assert_matches("PRelu", {"x": _x(), "slope": slope}, {"y": P.FLOAT}, opset=21)


def test_clip_attributes_before_opset_11():
    assert_matches("Clip", {"x": _x()}, {"y": P.FLOAT}, opset=6, min=-1.0, max=2.0)
    assert_matches("Clip", {"x": _x()}, {"y": P.FLOAT}, opset=6, min=-1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int64])
def test_clip_inputs(dtype):
    x = rng.integers(-100, 100, (6, 4)).astype(dtype)
    low, high = np.array(-20, dtype), np.array(30, dtype)
    assert_matches("Clip", {"x": x, "low": low, "high": high}, {"y": P.UNDEFINED}, opset=13)
    assert_matches("Clip", {"x": x, "": None, "high": high}, {"y": P.UNDEFINED}, opset=13)
    assert_matches("Clip", {"x": x, "low": low}, {"y": P.UNDEFINED}, opset=13)
    assert_matches("Clip", {"x": x, "low": high, "high": low}, {"y": P.UNDEFINED}, opset=13)  # min > max
