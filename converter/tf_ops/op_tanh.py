"""Tanh. Later versions (13) only add types. After a linear
layer it runs before the output reshape, where grappler fuses it into the MatMul."""
import tensorflow as tf

from converter.tf_ops._matmul import before_output_reshape
from converter.tf_ops.registry import tf_op


@tf_op("Tanh", since=6)
def tanh_6(ctx, node):
    return [before_output_reshape(tf.math.tanh, node.inputs[0])]
