"""And: logical, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("And", since=7)
def and_7(ctx, node):
    return [tf.math.logical_and(node.inputs[0], node.inputs[1])]
