"""Erf. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Erf", since=9)
def erf_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.erf(node.inputs[0])]
