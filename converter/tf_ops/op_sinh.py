"""Sinh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Sinh", since=9)
def sinh_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.sinh(node.inputs[0])]
