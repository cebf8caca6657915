"""Xor: logical, broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Xor", since=7)
def xor_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.logical_xor(node.inputs[0], node.inputs[1])]
