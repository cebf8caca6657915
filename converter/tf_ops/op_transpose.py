"""Transpose: perm defaults to reversing the axes."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Transpose", since=1)
def transpose_1(ctx, node):
    perm = node.attr("perm")
    return [tf.transpose(node.inputs[0], perm=list(perm) if perm is not None else None)]
