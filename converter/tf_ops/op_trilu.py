"""Trilu: keep the upper (upper=1: column - row >= k) or lower (column - row <= k) triangle of the
last two axes; k is an optional scalar input, possibly known only at run time."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Trilu", since=14)
def trilu_14(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    k = tf.zeros([], tf.int64) if node.input(1) is None else tf.cast(tf.reshape(node.input(1), []), tf.int64)
    shape = tf.shape(x, out_type=tf.int64)
    rows = tf.range(shape[-2])[:, None]
    columns = tf.range(shape[-1])[None, :]
    offset = columns - rows
    keep = offset >= k if node.attr("upper", 1) else offset <= k
    return [tf.where(keep, x, tf.zeros_like(x))]
