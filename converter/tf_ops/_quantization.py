"""Shared pieces of the quantization ops: parameter broadcasting, rounding and saturation.

Quantized types with TF kernels: uint8, int8, uint16, int16, int32 (dequantize only), float8 e4m3fn
and e5m2. int4/uint4 tensors exist in TF but cannot be cast; int2/uint2/float4 have no TF dtype.
"""
from __future__ import annotations

import ml_dtypes
import onnx
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._util import normalize_axis

_P = onnx.TensorProto
FLOAT8_E4M3FN = tf.as_dtype(ml_dtypes.float8_e4m3fn)
FLOAT8_E5M2 = tf.as_dtype(ml_dtypes.float8_e5m2)
FLOAT8 = {FLOAT8_E4M3FN: 448.0, FLOAT8_E5M2: 57344.0}       # largest finite value of each
INTEGER_RANGES = {tf.uint8: (0, 255), tf.int8: (-128, 127), tf.uint16: (0, 65535), tf.int16: (-32768, 32767)}
QUANTIZED_TYPES = {_P.UINT8: tf.uint8, _P.INT8: tf.int8, _P.UINT16: tf.uint16, _P.INT16: tf.int16,
                   _P.FLOAT8E4M3FN: FLOAT8_E4M3FN, _P.FLOAT8E5M2: FLOAT8_E5M2}
FLOAT_TYPES = {_P.FLOAT: tf.float32, _P.FLOAT16: tf.float16, _P.BFLOAT16: tf.bfloat16, _P.DOUBLE: tf.float64}


def quantized_type(onnx_type: int, node) -> tf.DType:
    if onnx_type not in QUANTIZED_TYPES:
        name = _P.DataType.Name(onnx_type)
        raise OpTranslationError(f"{node.describe()}: quantized type {name} is not supported "
                                 "(TF has no cast kernel for it); use uint8/int8/uint16/int16/float8")
    return QUANTIZED_TYPES[onnx_type]


def broadcast_parameter(param, x, axis: int, block_size: int):
    """Scale / zero point shaped to broadcast against x: scalar, per-axis (1-D) or blocked (same rank
    as x, `block_size` consecutive elements along `axis` share one value)."""
    if param.shape.rank == 0:
        return param
    rank = x.shape.rank
    axis = normalize_axis(axis, rank)
    if not block_size:
        if param.shape.rank != 1:
            raise OpTranslationError(f"a per-axis scale must be 1-D, got rank {param.shape.rank}")
        if param.shape[0] == 1:
            return tf.reshape(param, [])
        shape = [1] * rank
        shape[axis] = -1
        return tf.reshape(param, shape)
    repeated = tf.repeat(param, block_size, axis=axis)
    begin = [0] * rank
    size = [-1] * rank
    size[axis] = tf.shape(x)[axis]
    return tf.slice(repeated, begin, tf.stack(size))


def saturate_to_float8(values, dtype: tf.DType, saturate: bool):
    """Cast to float8; with `saturate`, values beyond the range clip to the largest finite value
    (infinities too, NaN stays NaN), as ONNX specifies."""
    if saturate:
        limit = FLOAT8[dtype]
        values = tf.where(tf.math.is_nan(values), values, tf.clip_by_value(values, -limit, limit))
    return tf.cast(values, dtype)


def round_and_clip(values, zero_point, dtype: tf.DType):
    """round half to even, add the zero point, clip to the integer type's range, cast."""
    low, high = INTEGER_RANGES[dtype]
    rounded = tf.math.round(tf.cast(values, tf.float32) if values.dtype != tf.float64 else values)
    if zero_point is not None:
        rounded = rounded + tf.cast(zero_point, rounded.dtype)
    return tf.cast(tf.clip_by_value(rounded, low, high), dtype)


TF_TO_QUANTIZED = {v: k for k, v in QUANTIZED_TYPES.items()}
