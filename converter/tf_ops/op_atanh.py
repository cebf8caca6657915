"""Atanh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Atanh", since=9)
def atanh_9(ctx, node):
    return [tf.math.atanh(node.inputs[0])]
