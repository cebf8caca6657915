"""ArgMax / ArgMin: axis, keepdims, select_last_index (opset >= 12)."""
from __future__ import annotations

import tensorflow as tf

from converter.tf_ops._util import normalize_axis

# Dtypes tf.math.argmax has no CPU kernel for, and the type to compute in instead (order-preserving).
_COMPUTE_AS = {tf.bool: tf.int32, tf.uint32: tf.int64}


def arg_extreme(node, tf_fn):
    x = node.inputs[0]
    x = tf.cast(x, _COMPUTE_AS[x.dtype]) if x.dtype in _COMPUTE_AS else x
    axis = normalize_axis(node.attr("axis", 0), x.shape.rank)
    if node.attr("select_last_index", 0):
        # Search the reversed axis, then map the index back: last occurrence instead of first.
        size = tf.shape(x, out_type=tf.int64)[axis]
        index = size - 1 - tf_fn(tf.reverse(x, [axis]), axis=axis, output_type=tf.int64)
    else:
        index = tf_fn(x, axis=axis, output_type=tf.int64)
    if node.attr("keepdims", 1):
        index = tf.expand_dims(index, axis)
    return [index]
