"""Mish: x * tanh(softplus(x)). Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Mish", since=18)
def mish_18(ctx, node):
    x = node.inputs[0]
    return [x * tf.math.tanh(tf.nn.softplus(x))]
