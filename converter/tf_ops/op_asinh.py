"""Asinh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Asinh", since=9)
def asinh_9(ctx, node):
    return [tf.math.asinh(node.inputs[0])]
