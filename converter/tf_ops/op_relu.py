"""Relu. (After a linear layer it is part of converter.fused::Linear, which FuseLinearLayerPass writes.)"""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Relu", since=6)
def relu_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.nn.relu(node.inputs[0])]
