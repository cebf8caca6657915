"""Reciprocal. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Reciprocal", since=6)
def reciprocal_6(ctx, node):
    return [tf.math.reciprocal(node.inputs[0])]
