"""Mul: numpy-style broadcasting since 7; before 7, the legacy broadcast/axis attributes.
Versions 13 and 14 only add types."""
import tensorflow as tf

from converter.tf_ops._elementwise import legacy_broadcast
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Mul", since=1)
def mul_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.multiply(*legacy_broadcast(node, node.inputs[0], node.inputs[1]))]


@tf_op("Mul", since=7)
def mul_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.multiply(node.inputs[0], node.inputs[1])]
