"""Compress: keep slices where condition is true; condition may be shorter than the axis (rest dropped)."""
import tensorflow as tf

from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Compress", since=9)
def compress_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data, condition = node.inputs
    axis = node.attr("axis")
    if axis is None:
        data, axis = tf.reshape(data, [-1]), 0
    else:
        axis = normalize_axis(axis, data.shape.rank)
    selected = tf.where(tf.cast(tf.reshape(condition, [-1]), tf.bool))[:, 0]
    selected = tf.boolean_mask(selected, selected < tf.shape(data, out_type=tf.int64)[axis])
    return [tf.gather(data, selected, axis=axis)]
