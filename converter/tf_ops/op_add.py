"""Add: numpy-style broadcasting since 7, which tf.add shares; before 7, the legacy broadcast/axis
attributes. Versions 13 and 14 only add types. (The fusion passes write a linear layer's bias add into
converter.fused::Linear and a residual add onto a convolution as converter.fused::ResidualAdd.)"""
import tensorflow as tf

from converter.tf_ops._elementwise import legacy_broadcast
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Add", since=1)
def add_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.add(*legacy_broadcast(node, node.inputs[0], node.inputs[1]))]


@tf_op("Add", since=7)
def add_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.add(node.inputs[0], node.inputs[1])]
