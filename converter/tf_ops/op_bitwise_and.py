"""BitwiseAnd: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitwiseAnd", since=18)
def bitwise_and_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.bitwise.bitwise_and(node.inputs[0], node.inputs[1])]
