"""Exp. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Exp", since=6)
def exp_6(ctx, node):
    return [tf.math.exp(node.inputs[0])]
