"""Or: logical, broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Or", since=7)
def or_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.logical_or(node.inputs[0], node.inputs[1])]
