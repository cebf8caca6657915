"""Elu: x for x > 0, alpha * (exp(x) - 1) otherwise (tf.nn.elu has no alpha).
Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Elu", since=6)
def elu_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    alpha = scalar_like(node.attr("alpha", 1.0), x)
    return [tf.where(x > 0, x, alpha * tf.math.expm1(x))]
