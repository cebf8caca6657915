"""OneHot: negative indices count from depth; out-of-range indices give all off_value (tf.one_hot does too)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("OneHot", since=9)
def one_hot_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    indices, depth, values = node.inputs
    depth = tf.cast(tf.reshape(depth, []), tf.int64)
    indices = tf.cast(indices, tf.int64)
    indices = tf.where(indices < 0, indices + depth, indices)
    rank = indices.shape.rank
    axis = node.attr("axis", -1)
    axis = axis + rank + 1 if axis < 0 else axis
    on, off = values[1], values[0]
    return [tf.one_hot(indices, tf.cast(depth, tf.int32), on_value=on, off_value=off,
                       axis=axis if axis != rank else -1)]
