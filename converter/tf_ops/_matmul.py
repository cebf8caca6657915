"""numpy-style matmul and the token-wise linear layer for TF, shared by MatMul, Gemm, MatMulInteger and
converter.fused::Linear."""
from __future__ import annotations

import math
from typing import Callable

import tensorflow as tf

# Integer dtypes TF's MatMul/Einsum kernels lack, and the type to compute in. Casting back wraps
# modulo 2**bits, which is what fixed-width integer matmul does anyway.
# Half precision is accumulated in float32 and rounded once: more accurate than TF's CPU half
# kernels (which oneDNN only accelerates on AVX-512) and what onnx's reference results assume.
_COMPUTE_AS = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
               tf.uint32: tf.int64, tf.uint64: tf.int64, tf.float16: tf.float32, tf.bfloat16: tf.float32}


# Multiply-adds per batch item (all batch axes but the first) up to which a float32 product of rank 3 or more
# runs as BatchMatMulV3, which oneDNN (TF's default on AVX-512 CPUs) leaves to TF's Eigen kernel, instead of
# BatchMatMulV2, which it takes as _MklBatchMatMulV2 at a fixed cost of about 70 us per call: the attention
# products of small transformers (Q @ K^T of 4 heads x 16 tokens x 16: 6 us against 77). At 64 K per item,
# batch 8 measured even (96 us against 105) and larger products are oneDNN's (12 heads x 128 x 128 x 64 at
# batch 8: 20% faster). Under Eigen's kernels both ops are the same kernel.
SMALL_PRODUCT = 65536


def compute_dtype(dtype: tf.DType) -> tf.DType:
    return _COMPUTE_AS.get(dtype, dtype)


def numpy_matmul(a: tf.Tensor, b: tf.Tensor, transpose_a: bool = False, transpose_b: bool = False) -> tf.Tensor:
    """np.matmul semantics: 1-D operands get a dimension added then removed; batch dims broadcast.
    `transpose_a`/`transpose_b` swap that operand's last two axes first (inside the product's kernel)."""
    out_dtype = a.dtype
    a = tf.cast(a, compute_dtype(a.dtype)) if a.dtype in _COMPUTE_AS else a
    b = tf.cast(b, compute_dtype(b.dtype)) if b.dtype in _COMPUTE_AS else b
    a_vector, b_vector = a.shape.rank == 1, b.shape.rank == 1
    if a_vector:
        a = tf.expand_dims(a, 0)
    if b_vector:
        b = tf.expand_dims(b, -1)
    if is_linear_layer(a, b) and not (transpose_a or transpose_b):
        result = linear_layer(a, b)
    else:
        result = batched_matmul(a, b, transpose_a, transpose_b)
    if a_vector:
        result = tf.squeeze(result, -2)
    if b_vector:
        result = tf.squeeze(result, -1)
    return tf.cast(result, out_dtype) if result.dtype != out_dtype else result


def batched_matmul(a: tf.Tensor, b: tf.Tensor, transpose_a: bool = False, transpose_b: bool = False) -> tf.Tensor:
    """tf.linalg.matmul; a small float32 product of rank 3+ as BatchMatMulV3 (see SMALL_PRODUCT)."""
    if a.dtype == tf.float32 and b.dtype == tf.float32 and _small_batched_product(a.shape, b.shape, transpose_a,
                                                                                   transpose_b):
        return tf.raw_ops.BatchMatMulV3(x=a, y=b, Tout=tf.float32, adj_x=transpose_a, adj_y=transpose_b)
    return tf.linalg.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def _small_batched_product(a: tf.TensorShape, b: tf.TensorShape, transpose_a: bool, transpose_b: bool) -> bool:
    if a.rank is None or b.rank is None or min(a.rank, b.rank) < 2 or max(a.rank, b.rank) < 3:
        return False
    batch = tf.broadcast_static_shape(a[:-2], b[:-2])
    rows, inner = (a[-1], a[-2]) if transpose_a else (a[-2], a[-1])
    columns = b[-2] if transpose_b else b[-1]
    per_item = [*batch[1:], rows, inner, columns]
    return None not in per_item and math.prod(per_item) <= SMALL_PRODUCT


def is_linear_layer(a: tf.Tensor, b: tf.Tensor) -> bool:
    """[..., K] @ [K, N] of known rank >= 3 and a weight of known shape: a linear layer over tokens."""
    return (a.shape.rank is not None and a.shape.rank >= 3 and b.shape.rank == 2
            and b.shape[0] is not None and b.shape[1] is not None)


def linear_layer(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | None = None,
                 activation: Callable[[tf.Tensor], tf.Tensor] | None = None) -> tf.Tensor:
    """activation(x @ weight + bias) for a linear layer over tokens (`is_linear_layer`), run as one 2-D
    MatMul between reshapes. TF runs a rank-3+ @ rank-2 product as BatchMatMulV2, which loops over the
    leading dimensions (Swin-T's 4-D MLPs: 3.7x ONNX Runtime) and which oneDNN neither fuses with the bias
    add that follows nor caches the weights of; on the 2-D rows grappler's remapper fuses MatMul + BiasAdd +
    Relu/Tanh/Sigmoid/Gelu into one kernel when nothing stands between them (measured 5-20% faster)."""
    inner, outer = weight.shape.as_list()
    rows = tf.linalg.matmul(tf.reshape(x, [-1, inner]), weight)
    if bias is not None:
        rows = tf.nn.bias_add(rows, bias)
    if activation is not None:
        rows = activation(rows)
    leading = x.shape.as_list()[:-1]
    if sum(d is None for d in leading) <= 1:     # the output shape needs no run-time arithmetic
        return tf.reshape(rows, [-1 if d is None else d for d in leading] + [outer])
    return tf.reshape(rows, tf.concat([tf.shape(x)[:-1], [outer]], 0))
