"""Tan. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Tan", since=7)
def tan_7(ctx, node):
    return [tf.math.tan(node.inputs[0])]
