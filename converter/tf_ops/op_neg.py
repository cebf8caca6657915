"""Neg (ONNX allows signed types only). Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Neg", since=6)
def neg_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.negative(node.inputs[0])]
