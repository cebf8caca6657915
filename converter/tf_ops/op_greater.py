"""Greater: broadcasting comparison. Later versions (9, 13) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Greater", since=7)
def greater_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.greater(node.inputs[0], node.inputs[1])]
