"""Acos. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Acos", since=7)
def acos_7(ctx, node):
    return [tf.math.acos(node.inputs[0])]
