"""Or: logical, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Or", since=7)
def or_7(ctx, node):
    return [tf.math.logical_or(node.inputs[0], node.inputs[1])]
