"""Cosh. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Cosh", since=9)
def cosh_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.cosh(node.inputs[0])]
