"""BitwiseOr: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitwiseOr", since=18)
def bitwise_or_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.bitwise.bitwise_or(node.inputs[0], node.inputs[1])]
