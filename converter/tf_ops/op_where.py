"""Where: select with numpy-style broadcasting of all three inputs (tf.where v2 broadcasts).
Version 16 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Where", since=9)
def where_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.where(node.inputs[0], node.inputs[1], node.inputs[2])]
