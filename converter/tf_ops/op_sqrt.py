"""Sqrt. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Sqrt", since=6)
def sqrt_6(ctx, node):
    return [tf.math.sqrt(node.inputs[0])]
