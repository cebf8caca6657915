"""Abs. TF has no Abs kernel for unsigned ints, where it is the identity. Version 13 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import UNSIGNED
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Abs", since=6)
def abs_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.identity(x) if x.dtype in UNSIGNED else tf.math.abs(x)]
