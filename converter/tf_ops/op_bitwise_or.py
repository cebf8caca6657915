"""BitwiseOr: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("BitwiseOr", since=18)
def bitwise_or_18(ctx, node):
    return [tf.bitwise.bitwise_or(node.inputs[0], node.inputs[1])]
