"""Div: integer division truncates toward zero in ONNX (C semantics), TF's `/` floors or goes
through floats, so integers use TruncateDiv. Before 7, the legacy broadcast/axis attributes.
Versions 13 and 14 only add types."""
import tensorflow as tf

from converter.tf_ops._elementwise import INTEGERS, legacy_broadcast
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Div", since=1)
def div_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_divide(*legacy_broadcast(node, node.inputs[0], node.inputs[1]))]


@tf_op("Div", since=7)
def div_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_divide(node.inputs[0], node.inputs[1])]


def _divide(a, b):
    if a.dtype in INTEGERS:
        return tf.truncatediv(a, b)
    return tf.math.divide(a, b)
