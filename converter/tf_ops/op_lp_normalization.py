"""LpNormalization: x / ||x||_p along an axis (p in {1, 2}); a zero norm gives zero."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LpNormalization", since=1)
def lp_normalization_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    axis, p = node.attr("axis", -1), node.attr("p", 2)
    if p == 1:
        norm = tf.reduce_sum(tf.abs(x), axis=axis, keepdims=True)
    elif p == 2:
        norm = tf.sqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=True))
    else:
        raise OpTranslationError(f"{node.describe()}: p={p} is not supported; ONNX allows only 1 or 2")
    return [tf.math.divide_no_nan(x, norm)]
