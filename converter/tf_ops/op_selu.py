"""Selu: gamma * (x for x > 0, alpha * (exp(x) - 1) otherwise), with the node's alpha and gamma
(tf.nn.selu hard-codes the defaults). Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Selu", since=6)
def selu_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    alpha = scalar_like(node.attr("alpha", 1.67326319217681884765625), x)
    gamma = scalar_like(node.attr("gamma", 1.05070102214813232421875), x)
    return [gamma * tf.where(x > 0, x, alpha * tf.math.expm1(x))]
