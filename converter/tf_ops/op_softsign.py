"""Softsign: x / (1 + |x|). Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Softsign", since=1)
def softsign_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.nn.softsign(node.inputs[0])]
