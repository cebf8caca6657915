"""Swish: x * sigmoid(alpha * x)."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Swish", since=24)
def swish_24(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [x * tf.math.sigmoid(scalar_like(node.attr("alpha", 1.0), x) * x)]
