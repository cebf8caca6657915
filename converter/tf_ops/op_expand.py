"""Expand: bidirectional broadcast of the input with the given shape (a 1 in shape keeps the input dim)."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Expand", since=8)
def expand_8(ctx, node):
    data = node.inputs[0]
    shape = tf.cast(node.inputs[1], tf.int64)
    target = tf.broadcast_dynamic_shape(tf.shape(data, out_type=tf.int64), shape)
    return [tf.broadcast_to(data, target)]
