"""Clip: min/max were attributes before opset 11 and are optional inputs since. As numpy's clip
(onnx's reference), max is applied after min, so min > max gives max everywhere.
Versions 12 and 13 only add types (integers)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Clip", since=6)
def clip_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    low = tf.constant(node.attr("min"), x.dtype)
    high = tf.constant(node.attr("max"), x.dtype)
    return [tf.math.minimum(tf.math.maximum(x, low), high)]


@tf_op("Clip", since=11)
def clip_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, low, high = node.inputs[0], node.input(1), node.input(2)
    if low is not None:
        x = tf.math.maximum(x, tf.cast(low, x.dtype))
    if high is not None:
        x = tf.math.minimum(x, tf.cast(high, x.dtype))
    return [x]
