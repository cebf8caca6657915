"""Hardmax: 1 at the first maximum along the axis, 0 elsewhere. Before opset 13 the input is
coerced to 2-D at `axis` (default 1); since 13 it runs along one axis (default -1)."""
import tensorflow as tf

from converter.tf_ops._softmax import along_axis, coerced_2d
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _hardmax_last_axis(x, axis=-1):
    depth = tf.shape(x)[-1]
    return tf.one_hot(tf.math.argmax(x, axis=-1), depth, dtype=x.dtype)


@tf_op("Hardmax", since=1)
def hardmax_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [coerced_2d(_hardmax_last_axis, node.inputs[0], node.attr("axis", 1))]


@tf_op("Hardmax", since=13)
def hardmax_13(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [along_axis(_hardmax_last_axis, node.inputs[0], node.attr("axis", -1))]
