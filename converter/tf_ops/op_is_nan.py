"""IsNaN. Later versions (13, 20) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("IsNaN", since=9)
def is_nan_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.is_nan(node.inputs[0])]
