"""Sinh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Sinh", since=9)
def sinh_9(ctx, node):
    return [tf.math.sinh(node.inputs[0])]
