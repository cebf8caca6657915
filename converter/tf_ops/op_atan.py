"""Atan. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Atan", since=7)
def atan_7(ctx, node):
    return [tf.math.atan(node.inputs[0])]
