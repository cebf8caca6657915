"""Elementwise math / logic ops against onnxruntime (or onnx's reference for opsets it lacks),
with a dynamic batch dimension."""
import numpy as np
import pytest
from onnx import TensorProto as P

from tests.tf_ops._elementwise_runner import assert_matches, run_translated, single_node_model

rng = np.random.default_rng(7)
F32 = P.FLOAT


def _normal(*shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 2).astype(dtype)


@pytest.mark.parametrize("op_type, low, high", [
    ("Abs", -3, 3), ("Acos", -0.9, 0.9), ("Acosh", 1.1, 4), ("Asin", -0.9, 0.9), ("Asinh", -3, 3),
    ("Atan", -3, 3), ("Atanh", -0.9, 0.9), ("Ceil", -3, 3), ("Cos", -3, 3), ("Cosh", -3, 3),
    ("Erf", -2, 2), ("Exp", -3, 3), ("Floor", -3, 3), ("Log", 0.1, 4), ("Neg", -3, 3),
    ("Reciprocal", 0.5, 3), ("Round", -3, 3), ("Sigmoid", -3, 3), ("Sign", -3, 3), ("Sin", -3, 3),
    ("Sinh", -3, 3), ("Softplus", -3, 3), ("Softsign", -3, 3), ("Sqrt", 0, 4), ("Tan", -1, 1),
    ("Tanh", -3, 3),
])
def test_unary_float(op_type, low, high):
    x = rng.uniform(low, high, (4, 3)).astype(np.float32)
    if op_type == "Round":
        x[0] = [0.5, 1.5, -2.5]                     # halves go to even
    assert_matches(op_type, {"x": x}, {"y": F32}, opset=21)


@pytest.mark.parametrize("op_type", ["Abs", "Sign"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint32, np.int8, np.int64])
def test_abs_and_sign_on_integers(op_type, dtype):
    x = rng.integers(0 if np.dtype(dtype).kind == "u" else -9, 9, (5, 4)).astype(dtype)
    assert_matches(op_type, {"x": x}, {"y": P.UNDEFINED}, opset=21)


def test_is_inf_and_is_nan():
    x = np.array([[1.0, np.inf, -np.inf, np.nan], [0.0, -2.0, np.inf, 3.0]], np.float32)
    assert_matches("IsInf", {"x": x}, {"y": P.BOOL}, opset=21, detect_negative=0)
    assert_matches("IsInf", {"x": x}, {"y": P.BOOL}, opset=21, detect_positive=0)
    assert_matches("IsNaN", {"x": x}, {"y": P.BOOL}, opset=21)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_integer_div_truncates_toward_zero(dtype):
    a = rng.integers(-50 if np.dtype(dtype).kind == "i" else 0, 50, (6, 4)).astype(dtype)
    b = rng.integers(1, 7, (4,)).astype(dtype)
    if np.dtype(dtype).kind == "i":
        b[::2] *= -1
    assert_matches("Div", {"a": a, "b": b}, {"c": P.UNDEFINED}, opset=21)


# Before opset 28, onnxruntime accepts fmod=0 only for integers; float fmod=0 is checked below.
@pytest.mark.parametrize("fmod, dtype", [(fmod, dtype) for fmod in (0, 1)
                                         for dtype in (np.int8, np.int32, np.int64, np.uint8, np.float16, np.float32)
                                         if fmod == 1 or np.dtype(dtype).kind != "f"])
def test_mod(fmod, dtype):
    signed = np.dtype(dtype).kind != "u"
    a = rng.integers(-30 if signed else 0, 30, (5, 4)).astype(dtype)
    b = (rng.integers(1, 7, (5, 4)) * (rng.choice([-1, 1], (5, 4)) if signed else 1)).astype(dtype)
    assert_matches("Mod", {"a": a, "b": b}, {"c": P.UNDEFINED}, opset=21, fmod=fmod)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_mod_follows_divisor_sign_opset_28(dtype):
    a = np.array([[5.5, -5.5, 3.0, -3.0, 0.0, -1.0]], dtype)
    b = np.array([[-2.0, 2.0, np.inf, np.inf, -2.0, -np.inf]], dtype)
    got = assert_matches("Mod", {"a": np.repeat(a, 3, 0), "b": b}, {"c": P.UNDEFINED}, opset=28,
                         engine="onnx", fmod=0)
    assert np.signbit(got[0][0, 4])                 # a zero result takes the divisor's sign


@pytest.mark.parametrize("base_dtype, exponent_dtype", [
    (np.float32, np.int64), (np.float32, np.int32), (np.int32, np.float32), (np.int64, np.int64),
    (np.float16, np.float16), (np.int32, np.int32),
])
def test_pow_with_mixed_types(base_dtype, exponent_dtype):
    base = rng.integers(1, 5, (4, 3)).astype(base_dtype)
    exponent = rng.integers(0, 4, (3,)).astype(exponent_dtype)
    assert_matches("Pow", {"x": base, "y": exponent}, {"z": P.UNDEFINED}, opset=21, rtol=1e-3)


@pytest.mark.parametrize("op_type", ["Add", "Sub", "Mul"])
def test_uint8_arithmetic_wraps(op_type):
    a = rng.integers(0, 256, (6, 5)).astype(np.uint8)
    b = rng.integers(0, 256, (5,)).astype(np.uint8)
    assert_matches(op_type, {"a": a, "b": b}, {"c": P.UINT8}, opset=21)


@pytest.mark.parametrize("op_type", ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"])
@pytest.mark.parametrize("dtype", [np.float32, np.int16, np.uint64])
def test_comparisons_broadcast(op_type, dtype):
    a = rng.integers(0, 4, (6, 1, 3)).astype(dtype)
    b = rng.integers(0, 4, (2, 3)).astype(dtype)
    assert_matches(op_type, {"a": a, "b": b}, {"c": P.BOOL}, opset=21)


def test_equal_on_strings():
    a = np.array([["a", "bc"], ["", "d"], ["x", "bc"]], dtype=object)
    b = np.array(["x", "bc"], dtype=object)
    assert_matches("Equal", {"a": a, "b": b}, {"c": P.BOOL}, opset=21)


@pytest.mark.parametrize("op_type", ["And", "Or", "Xor"])
def test_logical_ops(op_type):
    a, b = rng.random((5, 3, 4)) > 0.5, rng.random((4,)) > 0.5
    assert_matches(op_type, {"a": a, "b": b}, {"c": P.BOOL}, opset=21)
    assert_matches("Not", {"a": a}, {"c": P.BOOL}, opset=21)


@pytest.mark.parametrize("op_type", ["BitwiseAnd", "BitwiseOr", "BitwiseXor"])
@pytest.mark.parametrize("dtype", [np.int16, np.uint64])
def test_bitwise_ops(op_type, dtype):
    a = rng.integers(0, 1000, (5, 4)).astype(dtype)
    b = rng.integers(0, 1000, (4,)).astype(dtype)
    assert_matches(op_type, {"a": a, "b": b}, {"c": P.UNDEFINED}, opset=21)
    assert_matches("BitwiseNot", {"a": a}, {"c": P.UNDEFINED}, opset=21)


@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint32, np.int8, np.int32])
def test_bit_shift_opset_28_handles_signed_and_out_of_range_shifts(direction, dtype):
    bits = np.iinfo(dtype).bits
    x = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (4, 6), dtype=np.int64).astype(dtype)
    shift = np.array([0, 1, 3, bits - 1, bits, bits + 2], dtype)
    if np.dtype(dtype).kind == "i":
        shift[-1] = -1
    assert_matches("BitShift", {"x": x, "s": shift}, {"y": P.UNDEFINED}, opset=28, engine="onnx",
                   direction=direction)


@pytest.mark.parametrize("op_type", ["Max", "Min", "Sum", "Mean"])
def test_variadic_ops_broadcast(op_type):
    inputs = {"a": _normal(4, 1, 3), "b": _normal(2, 3), "c": _normal(3)}
    assert_matches(op_type, inputs, {"y": F32}, opset=21)
    assert_matches(op_type, {"a": inputs["a"]}, {"y": F32}, opset=21)


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float16])
def test_max_min_on_other_types(dtype):
    a = rng.integers(0, 50, (4, 3)).astype(dtype)
    b = rng.integers(0, 50, (4, 3)).astype(dtype)
    assert_matches("Max", {"a": a, "b": b}, {"y": P.UNDEFINED}, opset=21)
    assert_matches("Min", {"a": a, "b": b}, {"y": P.UNDEFINED}, opset=21)


def test_where_broadcasts_strings_too():
    condition = rng.random((5, 1, 3)) > 0.5
    assert_matches("Where", {"c": condition, "x": _normal(2, 3), "y": _normal(3)}, {"z": F32}, opset=21)
    words = np.array(["yes", "no", "maybe"], dtype=object)
    assert_matches("Where", {"c": condition, "x": words, "y": np.array(["-"], dtype=object)},
                   {"z": P.STRING}, opset=21)


@pytest.mark.parametrize("op_type, numpy_op", [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply),
                                                ("Div", np.divide), ("Pow", np.power)])
def test_opset_6_legacy_broadcast_with_axis(op_type, numpy_op):
    a = rng.uniform(1, 2, (2, 3, 4, 5)).astype(np.float32)
    b = rng.uniform(1, 2, (3, 4)).astype(np.float32)
    model = single_node_model(op_type, {"a": a, "b": b}, {"c": F32}, opset=6, broadcast=1, axis=1)
    (got,) = run_translated(model, {"a": a, "b": b})
    np.testing.assert_allclose(got, numpy_op(a, b[None, :, :, None]), rtol=1e-6)


def test_opset_6_prelu_slope_is_per_channel():
    x = _normal(2, 3, 4, 5)
    slope = np.array([0.1, 0.2, 0.3], np.float32)
    (got,) = run_translated(single_node_model("PRelu", {"x": x, "slope": slope}, {"y": F32}, opset=6),
                            {"x": x, "slope": slope})
    np.testing.assert_allclose(got, np.where(x < 0, x * slope[None, :, None, None], x), rtol=1e-6)
