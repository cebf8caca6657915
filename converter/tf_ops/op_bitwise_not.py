"""BitwiseNot: bit inversion of signed and unsigned integers."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitwiseNot", since=18)
def bitwise_not_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.bitwise.invert(node.inputs[0])]
