"""HardSwish: x * max(0, min(1, x / 6 + 0.5)). Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HardSwish", since=14)
def hard_swish_14(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    linear = x * scalar_like(1 / 6, x) + scalar_like(0.5, x)
    gate = tf.clip_by_value(linear, scalar_like(0, x), scalar_like(1, x))
    return [x * gate]
