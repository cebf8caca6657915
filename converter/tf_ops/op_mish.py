"""Mish: x * tanh(softplus(x)), half floats in float32 (the composition loses precision).
Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Mish", since=18)
def mish_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [widened(lambda x: x * tf.math.tanh(tf.nn.softplus(x)), node.inputs[0], when=HALF_FLOATS)]
