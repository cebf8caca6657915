"""SwiGLU (opset 28): A * sigmoid(alpha * A) * B, same shapes, no broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SwiGLU", since=28)
def swi_glu_28(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a, b = node.inputs[:2]
    alpha = tf.cast(node.attr("alpha", 1.0), a.dtype)
    return [a * tf.sigmoid(alpha * a) * b]
