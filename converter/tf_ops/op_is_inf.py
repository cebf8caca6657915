"""IsInf: detect_positive / detect_negative select which infinities count. Version 20 only adds
types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("IsInf", since=10)
def is_inf_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    positive, negative = node.attr("detect_positive", 1), node.attr("detect_negative", 1)
    infinite = tf.math.is_inf(x)
    if positive and negative:
        return [infinite]
    if positive:
        return [tf.math.logical_and(infinite, x > 0)]
    if negative:
        return [tf.math.logical_and(infinite, x < 0)]
    return [tf.zeros_like(infinite)]
