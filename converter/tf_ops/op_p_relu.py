"""PRelu: x for x >= 0, slope * x otherwise; slope broadcasts to x (unidirectional since 7).
Versions 9 and 16 only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("PRelu", since=7)
def p_relu_7(ctx, node):
    x, slope = node.inputs[0], node.inputs[1]
    return [tf.where(x < 0, tf.cast(slope, x.dtype) * x, x)]
