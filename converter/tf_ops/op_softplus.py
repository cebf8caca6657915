"""Softplus: log(1 + exp(x)). TF's kernel avoids the overflow of the naive formula; half floats
compute in float32 (TF's bfloat16 kernel is off by up to ~3% relative). Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Softplus", since=1)
def softplus_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [widened(tf.nn.softplus, node.inputs[0], when=HALF_FLOATS)]
