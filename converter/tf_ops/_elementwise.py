"""Helpers shared by the elementwise / math / logic / cast handlers.

TF's CPU kernels cover fewer dtypes than ONNX allows (no Abs/Neg/Sign/Pow on unsigned ints, no
TruncateMod on 8/16-bit ints or float16, no Det on float16...). The helpers here run such an op in
a wider dtype that represents every value exactly and cast the result back.
"""
from __future__ import annotations

import tensorflow as tf

UNSIGNED = (tf.uint8, tf.uint16, tf.uint32, tf.uint64)
SIGNED = (tf.int8, tf.int16, tf.int32, tf.int64)
INTEGERS = UNSIGNED + SIGNED
HALF_FLOATS = (tf.float16, tf.bfloat16)

# A dtype whose kernels TF has and that holds every value of the key dtype exactly.
_WIDER = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
          tf.uint32: tf.int64, tf.float16: tf.float32, tf.bfloat16: tf.float32}


def wider_dtype(dtype: tf.DType) -> tf.DType:
    """The dtype to compute in when `dtype` lacks a kernel (uint64 has no exact wider signed type)."""
    return _WIDER.get(dtype, dtype)


def in_dtype(fn, tensors, compute_dtype: tf.DType):
    """`fn(*tensors)` computed in `compute_dtype`, result cast back to the first tensor's dtype."""
    original = tensors[0].dtype
    if original == compute_dtype:
        return fn(*tensors)
    result = fn(*[tf.cast(t, compute_dtype) for t in tensors])
    return tf.cast(result, original)


def widened(fn, *tensors, when=None):
    """`fn(*tensors)`, computed in a wider dtype when the inputs' dtype is in `when` (default: any
    dtype that has a wider stand-in)."""
    dtype = tensors[0].dtype
    if when is not None and dtype not in when:
        return fn(*tensors)
    return in_dtype(fn, tensors, wider_dtype(dtype))


def scalar_like(value, tensor):
    """A Python number as a constant of `tensor`'s dtype (ONNX float attributes are float32)."""
    return tf.constant(value, dtype=tensor.dtype)


def variadic(fn, tensors):
    """Fold a binary broadcasting op over the inputs of Max/Min/Sum (one input passes through)."""
    result = tensors[0]
    for tensor in tensors[1:]:
        result = fn(result, tensor)
    return result
