"""Expand: bidirectional broadcast of the input with the given shape (a 1 in shape keeps the input dim)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _static_result_shape(data_shape: list, target: list) -> list:
    """Broadcast with None allowed in the data (a None batch): a 1 in the target keeps the data dim."""
    rank = max(len(data_shape), len(target))
    data_shape = [1] * (rank - len(data_shape)) + data_shape
    target = [1] * (rank - len(target)) + target
    return [d if t == 1 else t for d, t in zip(data_shape, target)]


@tf_op("Expand", since=8)
def expand_8(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    shape = tf.cast(node.inputs[1], tf.int64)
    target = tf.broadcast_dynamic_shape(tf.shape(data, out_type=tf.int64), shape)
    result = tf.broadcast_to(data, target)
    static = tf.get_static_value(shape)
    if static is not None and data.shape.rank is not None:
        result.set_shape(_static_result_shape(data.shape.as_list(), [int(v) for v in static]))
    return [result]
