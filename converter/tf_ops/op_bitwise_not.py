"""BitwiseNot: bit inversion of signed and unsigned integers."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("BitwiseNot", since=18)
def bitwise_not_18(ctx, node):
    return [tf.bitwise.invert(node.inputs[0])]
