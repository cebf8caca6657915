"""Erf. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Erf", since=9)
def erf_9(ctx, node):
    return [tf.math.erf(node.inputs[0])]
