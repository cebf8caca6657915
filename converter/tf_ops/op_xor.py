"""Xor: logical, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Xor", since=7)
def xor_7(ctx, node):
    return [tf.math.logical_xor(node.inputs[0], node.inputs[1])]
