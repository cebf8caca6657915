"""Softsign: x / (1 + |x|). Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Softsign", since=1)
def softsign_1(ctx, node):
    return [tf.nn.softsign(node.inputs[0])]
