"""Unsqueeze: axes attribute (< 13) or input (>= 13), counted in the output rank."""
import tensorflow as tf

from converter.tf_ops._axes import unsqueeze_dynamic
from converter.tf_ops._util import normalize_axis, static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _unsqueeze(data, axes):
    out_rank = data.shape.rank + len(axes)
    for axis in sorted(normalize_axis(a, out_rank) for a in axes):
        data = tf.expand_dims(data, axis)
    return [data]


@tf_op("Unsqueeze", since=1)
def unsqueeze_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return _unsqueeze(node.inputs[0], list(node.attr("axes")))


@tf_op("Unsqueeze", since=13)
def unsqueeze_13(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axes = static_ints(node, 1)
    return _unsqueeze(node.inputs[0], axes) if axes is not None else [unsqueeze_dynamic(node.inputs[0], node.inputs[1])]
