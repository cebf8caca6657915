"""BitwiseXor: integers, broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitwiseXor", since=18)
def bitwise_xor_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.bitwise.bitwise_xor(node.inputs[0], node.inputs[1])]
