"""Axis handling shared by Softmax, LogSoftmax and Hardmax, and the form of a small float32 softmax."""
from __future__ import annotations

import tensorflow as tf

from converter.tf_ops._util import normalize_axis, small_float32


_HALF = (tf.float16, tf.bfloat16)

# Elements per batch item (all axes but the first) up to which a float32 softmax runs as Exp(LogSoftmax): oneDNN
# (TF's default on AVX-512 CPUs) leaves LogSoftmax to TF's Eigen kernel and takes Softmax as _MklSoftmax, at a
# fixed cost of 50-100 us per call, where the two Eigen kernels need 8 us for the attention weights of a small
# transformer (4 heads x 16 x 16) at batch 1 and 20 at batch 8. They cost about 5 ns per element, so from about
# 16 K elements per request on _MklSoftmax is the faster: at 2 K per item the alternative wins up to batch 8
# (benchmarks/small_ops.py). Under Eigen's kernels Softmax alone is 1.3-3x cheaper than the pair: a few us at
# these sizes.
SMALL_SOFTMAX = 2048


def softmax_last(x, axis=-1):
    """Softmax over the last axis. Half precision follows numpy's (and onnx's reference) rounding:
    each step in the half type, the sum accumulated in float32."""
    if x.dtype not in _HALF:
        return small_softmax(x) if small_float32(x, SMALL_SOFTMAX) else tf.nn.softmax(x, axis=-1)
    exp = tf.exp(x - tf.reduce_max(x, axis=-1, keepdims=True))
    return exp / _half_sum(exp)


def small_softmax(x):
    """Softmax over the last axis as Exp(LogSoftmax), two of TF's Eigen kernels that oneDNN leaves alone (see
    SMALL_SOFTMAX): exp(x - max - log(sum(exp(x - max)))), within a few float32 roundings of Softmax."""
    return tf.exp(tf.nn.log_softmax(x, axis=-1))


def log_softmax_last(x, axis=-1):
    if x.dtype not in _HALF:
        return tf.nn.log_softmax(x, axis=-1)
    shifted = x - tf.reduce_max(x, axis=-1, keepdims=True)
    return shifted - tf.math.log(_half_sum(tf.exp(shifted)))


def _half_sum(x):
    return tf.cast(tf.reduce_sum(tf.cast(x, tf.float32), axis=-1, keepdims=True), x.dtype)


def along_axis(fn, x, axis: int):
    """Apply `fn` (which works on the last axis) along `axis` (opset >= 13 semantics)."""
    rank = x.shape.rank
    axis = normalize_axis(axis, rank)
    if axis == rank - 1:
        return fn(x, axis=-1)
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return tf.transpose(fn(tf.transpose(x, perm), axis=-1), perm)


def coerced_2d(fn, x, axis: int):
    """Opset < 13: flatten to [prod(shape[:axis]), prod(shape[axis:])], apply on rows, restore."""
    rank = x.shape.rank
    axis = normalize_axis(axis, rank)
    shape = tf.shape(x)
    rows = tf.reduce_prod(shape[:axis])
    flat = tf.reshape(x, tf.stack([rows, -1]))
    return tf.reshape(fn(flat, axis=-1), shape)
