"""Swish: x * sigmoid(alpha * x); with alpha 1 (SiLU) in the form its size calls for (converter/tf_ops/_swish.py)."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops._swish import swish
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Swish", since=24)
def swish_24(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, alpha = node.inputs[0], node.attr("alpha", 1.0)
    if alpha == 1.0:
        return [swish(x)]
    return [x * tf.math.sigmoid(scalar_like(alpha, x) * x)]
