"""Cosh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Cosh", since=9)
def cosh_9(ctx, node):
    return [tf.math.cosh(node.inputs[0])]
