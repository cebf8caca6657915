"""Not (logical, bool tensors)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Not", since=1)
def not_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.logical_not(node.inputs[0])]
