"""Concat: axis required since opset 4, negative since 11 (tf.concat accepts both)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Concat", since=4)
def concat_4(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    inputs = [t for t in node.inputs if t is not None]
    return [tf.concat(inputs, axis=node.attr("axis"))]
