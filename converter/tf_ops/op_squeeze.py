"""Squeeze: axes attribute (< 13) or optional input (>= 13); no axes squeezes every static 1."""
import tensorflow as tf

from converter.tf_ops._axes import squeeze_dynamic
from converter.tf_ops._util import normalize_axis, static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _squeeze(node, axes):
    data = node.inputs[0]
    if axes is None:
        if None in data.shape.as_list():   # which dims are 1 is decided at run time (rank becomes unknown)
            shape = tf.shape(data, out_type=tf.int64)
            return [tf.reshape(data, tf.boolean_mask(shape, tf.not_equal(shape, 1)))]
        return [tf.squeeze(data)]
    rank = data.shape.rank
    return [tf.squeeze(data, axis=sorted(normalize_axis(a, rank) for a in axes))]


@tf_op("Squeeze", since=1)
def squeeze_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axes = node.attr("axes")
    return _squeeze(node, list(axes) if axes else None)


@tf_op("Squeeze", since=13)
def squeeze_13(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    if node.input(1) is None:
        return _squeeze(node, None)
    axes = static_ints(node, 1)
    return _squeeze(node, axes) if axes is not None else [squeeze_dynamic(node.inputs[0], node.inputs[1])]
