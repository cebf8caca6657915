"""Not (logical, bool tensors)."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Not", since=1)
def not_1(ctx, node):
    return [tf.math.logical_not(node.inputs[0])]
