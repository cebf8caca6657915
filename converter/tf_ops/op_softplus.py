"""Softplus: log(1 + exp(x)); TF's kernel avoids the overflow of the naive formula. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Softplus", since=1)
def softplus_1(ctx, node):
    return [tf.nn.softplus(node.inputs[0])]
