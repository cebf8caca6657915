"""Asin. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Asin", since=7)
def asin_7(ctx, node):
    return [tf.math.asin(node.inputs[0])]
