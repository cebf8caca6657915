"""Atanh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Atanh", since=9)
def atanh_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.atanh(node.inputs[0])]
