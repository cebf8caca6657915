"""Axis handling shared by Softmax, LogSoftmax and Hardmax."""
from __future__ import annotations

import tensorflow as tf

from converter.tf_ops._util import normalize_axis


_HALF = (tf.float16, tf.bfloat16)


def softmax_last(x, axis=-1):
    """Softmax over the last axis. Half precision follows numpy's (and onnx's reference) rounding:
    each step in the half type, the sum accumulated in float32."""
    if x.dtype not in _HALF:
        return tf.nn.softmax(x, axis=-1)
    exp = tf.exp(x - tf.reduce_max(x, axis=-1, keepdims=True))
    return exp / _half_sum(exp)


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
