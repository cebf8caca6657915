"""Acosh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Acosh", since=9)
def acosh_9(ctx, node):
    return [tf.math.acosh(node.inputs[0])]
