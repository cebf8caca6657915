"""Less: broadcasting comparison. Later versions (9, 13) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Less", since=7)
def less_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.less(node.inputs[0], node.inputs[1])]
