"""numpy-style matmul for TF, shared by MatMul, Gemm, MatMulInteger and Einsum."""
from __future__ import annotations

import tensorflow as tf

# Integer dtypes TF's MatMul/Einsum kernels lack, and the type to compute in. Casting back wraps
# modulo 2**bits, which is what fixed-width integer matmul does anyway.
# Half precision is accumulated in float32 and rounded once: more accurate than TF's CPU half
# kernels (which oneDNN only accelerates on AVX-512) and what onnx's reference results assume.
_COMPUTE_AS = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
               tf.uint32: tf.int64, tf.uint64: tf.int64, tf.float16: tf.float32, tf.bfloat16: tf.float32}


def compute_dtype(dtype: tf.DType) -> tf.DType:
    return _COMPUTE_AS.get(dtype, dtype)


def numpy_matmul(a, b):
    """np.matmul semantics: 1-D operands get a dimension added then removed; batch dims broadcast."""
    out_dtype = a.dtype
    a = tf.cast(a, compute_dtype(a.dtype)) if a.dtype in _COMPUTE_AS else a
    b = tf.cast(b, compute_dtype(b.dtype)) if b.dtype in _COMPUTE_AS else b
    a_vector, b_vector = a.shape.rank == 1, b.shape.rank == 1
    if a_vector:
        a = tf.expand_dims(a, 0)
    if b_vector:
        b = tf.expand_dims(b, -1)
    result = tf.linalg.matmul(a, b)
    if a_vector:
        result = tf.squeeze(result, -2)
    if b_vector:
        result = tf.squeeze(result, -1)
    return tf.cast(result, out_dtype) if result.dtype != out_dtype else result
