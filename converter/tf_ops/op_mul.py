"""Mul: numpy-style broadcasting. Later versions (13, 14) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Mul", since=7)
def mul_7(ctx, node):
    return [tf.math.multiply(node.inputs[0], node.inputs[1])]
