"""Add: numpy-style broadcasting, which tf.add shares."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Add", since=7)
def add_7(ctx, node):
    return [tf.add(node.inputs[0], node.inputs[1])]
