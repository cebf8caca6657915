"""BitwiseAnd: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("BitwiseAnd", since=18)
def bitwise_and_18(ctx, node):
    return [tf.bitwise.bitwise_and(node.inputs[0], node.inputs[1])]
