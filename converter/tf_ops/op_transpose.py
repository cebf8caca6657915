"""Transpose: perm defaults to reversing the axes."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Transpose", since=1)
def transpose_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    perm = node.attr("perm")
    return [tf.transpose(node.inputs[0], perm=list(perm) if perm is not None else None)]
