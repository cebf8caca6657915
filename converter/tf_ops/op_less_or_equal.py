"""LessOrEqual: broadcasting comparison. Later versions (16) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LessOrEqual", since=12)
def less_or_equal_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.less_equal(node.inputs[0], node.inputs[1])]
