"""ConvInteger: int32 convolution of (x - x_zero_point) with (w - w_zero_point); w's zero point may be
per output channel. Computed exactly in float64 (see _integer_conv.py)."""
import tensorflow as tf

from converter.tf_ops._integer_conv import integer_conv, per_output_channel
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ConvInteger", since=10)
def conv_integer_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, w, x_zero, w_zero = (node.input(i) for i in range(4))
    x = tf.cast(x, tf.float64)
    w = tf.cast(w, tf.float64)
    if x_zero is not None:
        x = x - tf.cast(tf.reshape(x_zero, []), tf.float64)
    if w_zero is not None:
        w = w - per_output_channel(tf.cast(w_zero, tf.float64), w.shape.rank)
    return [tf.cast(integer_conv(node, x, w), tf.int32)]
