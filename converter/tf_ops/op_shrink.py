"""Shrink: x + bias for x < -lambd, x - bias for x > lambd, 0 in between (also for integer x)."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.registry import tf_op


@tf_op("Shrink", since=9)
def shrink_9(ctx, node):
    x = node.inputs[0]
    lambd, bias = node.attr("lambd", 0.5), node.attr("bias", 0.0)
    # Compare in float so that a fractional lambd is not truncated for integer inputs.
    as_float = tf.cast(x, tf.float64) if not x.dtype.is_floating else x
    lambd_t = tf.constant(lambd, as_float.dtype)
    bias_t = scalar_like(bias, x)
    zeros = tf.zeros_like(x)
    return [tf.where(as_float < -lambd_t, x + bias_t, tf.where(as_float > lambd_t, x - bias_t, zeros))]
