"""RMSNormalization (opset 23): X / sqrt(mean(X^2 over [axis, rank)) + epsilon) * scale."""
import tensorflow as tf

from converter.tf_ops._norm import stash_dtype
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RMSNormalization", since=23)
def rms_normalization_23(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale = node.inputs[:2]
    rank = x.shape.rank
    axis = normalize_axis(node.attr("axis", -1), rank)
    work = stash_dtype(x.dtype, node.attr("stash_type", 1))
    xw = tf.cast(x, work)
    mean_square = tf.reduce_mean(tf.square(xw), axis=list(range(axis, rank)), keepdims=True)
    normalized = xw * tf.math.rsqrt(mean_square + tf.cast(node.attr("epsilon", 1e-5), work))
    return [tf.cast(normalized, x.dtype) * scale]
