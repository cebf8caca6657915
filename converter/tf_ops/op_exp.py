"""Exp. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Exp", since=6)
def exp_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.exp(node.inputs[0])]
