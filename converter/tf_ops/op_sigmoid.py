"""Sigmoid. Later versions (13) only add types. (After a linear layer it is part of
converter.fused::Linear, which FuseLinearLayerPass writes.)"""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Sigmoid", since=6)
def sigmoid_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.sigmoid(node.inputs[0])]
