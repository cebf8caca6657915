"""Cos. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Cos", since=7)
def cos_7(ctx, node):
    return [tf.math.cos(node.inputs[0])]
