"""Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). Version 28 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Celu", since=12)
def celu_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    alpha = scalar_like(node.attr("alpha", 1.0), x)
    negative_part = tf.math.minimum(tf.zeros_like(x), alpha * tf.math.expm1(x / alpha))
    return [tf.math.maximum(tf.zeros_like(x), x) + negative_part]
