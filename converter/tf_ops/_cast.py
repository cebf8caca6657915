"""Casting to an ONNX element type, shared by Cast and CastLike.

Beyond `tf.cast`: ONNX float8 casts saturate by default (TF's overflow to NaN/inf is the
saturate=0 behaviour), strings parse/print numbers, and the 2/4-bit integer types have TF Cast
kernels only from and to other integer types. TF has no Cast kernel at all for float8 *FNUZ,
float8e8m0 and float4e2m1, which are refused with an error rather than approximated.
String conversions follow onnxruntime (the runtime outputs are verified against).
"""
from __future__ import annotations

import onnx
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.dtypes import ONNX_TO_TF

_P = onnx.TensorProto
_E = tf.dtypes.experimental
_EXTRA_TYPES = {_P.FLOAT8E4M3FN: _E.float8_e4m3fn, _P.FLOAT8E5M2: _E.float8_e5m2,
                _P.INT4: _E.int4, _P.UINT4: _E.uint4, _P.INT2: _E.int2, _P.UINT2: _E.uint2}
_FLOAT8_MAX = {_E.float8_e4m3fn: 448.0, _E.float8_e5m2: 57344.0}
_NARROW_INTS = {_E.int4: tf.int8, _E.uint4: tf.uint8, _E.int2: tf.int8, _E.uint2: tf.uint8}
_NO_KERNEL = (_E.float8_e4m3fnuz, _E.float8_e5m2fnuz, _E.float4_e2m1fn)


def target_dtype(onnx_type: int, where: str) -> tf.DType:
    dtype = ONNX_TO_TF.get(onnx_type) or _EXTRA_TYPES.get(onnx_type)
    if dtype is None:
        name = _P.DataType.Name(onnx_type) if onnx_type in _P.DataType.values() else str(onnx_type)
        raise OpTranslationError(f"{where}: TensorFlow has no Cast kernel for element type {name}; "
                                 "keep this tensor in a wider type")
    return dtype


def cast_to(x: tf.Tensor, dtype: tf.DType, saturate: bool, where: str) -> tf.Tensor:
    if x.dtype in _NO_KERNEL:
        raise OpTranslationError(f"{where}: TensorFlow has no Cast kernel for element type {x.dtype.name}")
    if x.dtype == dtype:
        return tf.identity(x)
    if dtype == tf.string:
        return _to_string(x)
    if x.dtype == tf.string:
        parsed = tf.strings.to_number(x, tf.int64 if dtype.is_integer else tf.float64)
        return cast_to(parsed, dtype, saturate, where)
    if x.dtype in _NARROW_INTS:                      # 2/4-bit ints cast only to and from integers
        x = tf.cast(x, _NARROW_INTS[x.dtype])
    if dtype in _FLOAT8_MAX:
        return _to_float8(x, dtype, saturate)
    if dtype in _NARROW_INTS:
        if x.dtype.is_floating or x.dtype == tf.bool:
            x = tf.cast(x, tf.int32)
        return tf.cast(x, dtype)
    return tf.cast(x, dtype)


def _to_float8(x, dtype, saturate):
    if x.dtype not in (tf.float16, tf.bfloat16, tf.float32, tf.float64):   # ints, bool, other float8
        x = tf.cast(x, tf.float32)
    if saturate:
        # Out-of-range values and infinities become +-max; NaN stays NaN (clip keeps it).
        limit = tf.constant(_FLOAT8_MAX[dtype], x.dtype)
        x = tf.clip_by_value(x, -limit, limit)
    return tf.cast(x, dtype)


def _to_string(x):
    """Numbers as onnxruntime prints them: integers in full, bool as 1/0, floats as "%.8g" with
    INF, -INF and NaN (onnx's reference evaluator uses Python's repr instead; the spec leaves it open)."""
    if x.dtype == tf.bool:
        x = tf.cast(x, tf.int64)
    if x.dtype.is_integer:
        return tf.strings.as_string(x)
    if x.dtype not in (tf.float32, tf.float64):
        x = tf.cast(x, tf.float32)
    text = tf.strings.as_string(x, precision=8, shortest=True)
    text = tf.where(tf.math.is_nan(x), tf.constant("NaN"), text)
    return tf.where(tf.math.is_inf(x), tf.where(x > 0, tf.constant("INF"), tf.constant("-INF")), text)
