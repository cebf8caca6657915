"""MeanVarianceNormalization: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9) over `axes`
(the op's function body, epsilon included)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MeanVarianceNormalization", since=9)
def mean_variance_normalization_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    axes = list(node.attr("axes", [0, 2, 3]))
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    mean_of_square = tf.reduce_mean(tf.square(x), axis=axes, keepdims=True)
    std = tf.sqrt(mean_of_square - tf.square(mean))
    return [(x - mean) / (std + tf.cast(1e-9, x.dtype))]
