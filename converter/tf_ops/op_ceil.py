"""Ceil. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Ceil", since=6)
def ceil_6(ctx, node):
    return [tf.math.ceil(node.inputs[0])]
