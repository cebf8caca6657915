"""Cast, CastLike and BitCast against onnxruntime (onnx's reference for BitCast, opset 26), with a
dynamic batch dimension."""
import ml_dtypes
import numpy as np
import pytest
from onnx import TensorProto as P

from tests.tf_ops._elementwise_runner import assert_matches

rng = np.random.default_rng(3)
VALUES = np.array([[0.0, 1.0, -1.5, 2.7], [100.25, -7.9, 0.5, 3.0], [1e-3, 250.0, -128.0, 65.0]], np.float32)


@pytest.mark.parametrize("to", [P.DOUBLE, P.FLOAT16, P.BFLOAT16, P.INT8, P.INT32, P.INT64, P.UINT8,
                                P.UINT16, P.BOOL])
def test_cast_from_float(to):
    x = VALUES if to not in (P.UINT8, P.UINT16) else np.abs(VALUES)
    engine = "onnx" if to == P.BFLOAT16 else "ort"       # onnxruntime's Python API returns no bfloat16
    assert_matches("Cast", {"x": x}, {"y": to}, opset=21, engine=engine, rtol=1e-2, to=to)


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_, np.float16])
def test_cast_to_float(dtype):
    x = rng.integers(0, 100, (4, 3)).astype(dtype)
    assert_matches("Cast", {"x": x}, {"y": P.FLOAT}, opset=21, to=P.FLOAT)


def test_cast_int_narrowing_keeps_low_bits():
    x = np.array([[200, -200, 300], [127, 128, -129]], np.int32)
    assert_matches("Cast", {"x": x}, {"y": P.INT8}, opset=21, to=P.INT8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
def test_cast_to_string_prints_like_onnxruntime(dtype):
    x = np.array([[0.1, 1 / 3, 1e20, -0.0], [np.inf, -np.inf, np.nan, 123456789.0]], np.float64)
    x = x.astype(dtype) if np.dtype(dtype).kind == "f" else np.array([[1, 0, 7], [5, 0, 2]]).astype(dtype)
    assert_matches("Cast", {"x": x}, {"y": P.STRING}, opset=21, to=P.STRING)


@pytest.mark.parametrize("to", [P.FLOAT, P.DOUBLE, P.INT64, P.BOOL])
def test_cast_from_string(to):
    if to in (P.FLOAT, P.DOUBLE):
        x = np.array([["1.5", "-2", "1e-5", "1E8"], ["INF", "-inf", "+INF", "0"]], dtype=object)
    else:
        x = np.array([["1", "-2", "0", "30"], ["7", "0", "12", "9"]], dtype=object)
    got = assert_matches("Cast", {"x": x}, {"y": to}, opset=21, to=to)
    assert got[0].shape == x.shape


@pytest.mark.parametrize("to", [P.FLOAT8E4M3FN, P.FLOAT8E5M2])
@pytest.mark.parametrize("saturate", [0, 1])
def test_cast_to_float8(to, saturate):
    x = np.array([[0.478, 1e6, -1e6, 1e-7], [np.inf, -np.inf, 300.0, -0.0]], np.float32)
    # onnxruntime's Python API returns no float8 arrays: onnx's reference is the oracle here.
    assert_matches("Cast", {"x": x}, {"y": to}, opset=21, engine="onnx", to=to, saturate=saturate)


def test_cast_float8_round_trip():
    x = np.array([[0.5, -448.0, 3.25], [1.0, 2.0, -0.125]], np.float32).astype(ml_dtypes.float8_e4m3fn)
    assert_matches("Cast", {"x": x}, {"y": P.FLOAT}, opset=21, engine="onnx", to=P.FLOAT)


def test_cast_like_takes_the_second_input_type():
    assert_matches("CastLike", {"x": VALUES, "like": np.zeros((1, 1), np.int32)}, {"y": P.INT32}, opset=21)
    assert_matches("CastLike", {"x": VALUES, "like": np.zeros((2,), np.float16)}, {"y": P.FLOAT16},
                   opset=21, rtol=1e-3)


@pytest.mark.parametrize("source, target", [
    (np.float32, P.INT32), (np.int64, P.DOUBLE), (np.uint16, P.INT16), (np.int8, P.UINT8),
    (np.bool_, P.UINT8), (np.uint8, P.BOOL), (np.float16, P.BFLOAT16),
])
def test_bit_cast(source, target):
    if source == np.bool_:
        x = rng.random((3, 4)) > 0.5
    elif source == np.uint8:
        x = rng.integers(0, 2, (3, 4)).astype(np.uint8)    # bool bytes are 0 or 1
    else:
        x = (rng.standard_normal((3, 4)) * 100).astype(source)
    assert_matches("BitCast", {"x": x}, {"y": target}, opset=26, engine="onnx", to=target)
