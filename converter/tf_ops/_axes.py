"""Squeeze/Unsqueeze with axes that are only known at run time (constant axes take the plain TF ops)."""
from __future__ import annotations

import tensorflow as tf


def normalized_axes(axes, rank: int):
    axes = tf.cast(tf.reshape(axes, [-1]), tf.int64)
    return tf.where(axes < 0, axes + rank, axes)


def squeeze_dynamic(data, axes):
    rank = data.shape.rank
    axes = normalized_axes(axes, rank)
    keep = tf.logical_not(tf.reduce_any(tf.equal(tf.range(rank, dtype=tf.int64)[:, None], axes[None, :]), axis=1))
    result = tf.reshape(data, tf.boolean_mask(tf.shape(data, out_type=tf.int64), keep))
    if axes.shape[0] is not None:
        result.set_shape([None] * (rank - axes.shape[0]))
    return result


def unsqueeze_dynamic(data, axes):
    out_rank = data.shape.rank + axes.shape[0]
    axes = normalized_axes(axes, out_rank)
    is_new = tf.reduce_any(tf.equal(tf.range(out_rank, dtype=tf.int64)[:, None], axes[None, :]), axis=1)
    source = tf.cumsum(tf.cast(tf.logical_not(is_new), tf.int64)) - 1
    in_shape = tf.concat([tf.shape(data, out_type=tf.int64), [1]], 0)
    shape = tf.where(is_new, tf.ones([out_rank], tf.int64), tf.gather(in_shape, tf.maximum(source, 0)))
    result = tf.reshape(data, shape)
    result.set_shape([None] * out_rank)
    return result
