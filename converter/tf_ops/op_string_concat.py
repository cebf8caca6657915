"""StringConcat (opset 20): elementwise concatenation with numpy broadcasting."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("StringConcat", since=20)
def string_concat_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    left, right = node.inputs
    shape = tf.broadcast_dynamic_shape(tf.shape(left), tf.shape(right))
    return [tf.strings.join([tf.broadcast_to(left, shape), tf.broadcast_to(right, shape)])]
