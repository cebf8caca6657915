"""Acos. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Acos", since=7)
def acos_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.acos(node.inputs[0])]
