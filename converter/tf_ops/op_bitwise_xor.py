"""BitwiseXor: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("BitwiseXor", since=18)
def bitwise_xor_18(ctx, node):
    return [tf.bitwise.bitwise_xor(node.inputs[0], node.inputs[1])]
