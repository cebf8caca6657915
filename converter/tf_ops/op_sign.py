"""Sign. TF has no Sign kernel for unsigned ints: there it is 1 for non-zero values, else 0.
Version 13 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import UNSIGNED
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Sign", since=9)
def sign_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    if x.dtype in UNSIGNED:
        return [tf.cast(tf.math.not_equal(x, 0), x.dtype)]
    return [tf.math.sign(x)]
