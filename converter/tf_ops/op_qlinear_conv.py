"""QLinearConv: quantized convolution. (x - x_zp) conv (w - w_zp) + B in exact float64 arithmetic,
rescaled by x_scale * w_scale / y_scale (w_scale may be per output channel), shifted by y_zp,
saturated to the output type and rounded half to even."""
import tensorflow as tf

from converter.tf_ops._integer_conv import integer_conv, per_output_channel
from converter.tf_ops._quantization import INTEGER_RANGES
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("QLinearConv", since=10)
def qlinear_conv_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, x_scale, x_zero, w, w_scale, w_zero, y_scale, y_zero, bias = (node.input(i) for i in range(9))
    xf = tf.cast(x, tf.float64) - tf.cast(tf.reshape(x_zero, []), tf.float64) if x_zero is not None \
        else tf.cast(x, tf.float64)
    wf = tf.cast(w, tf.float64)
    if w_zero is not None:
        wf = wf - per_output_channel(tf.cast(w_zero, tf.float64), w.shape.rank)
    result = integer_conv(node, xf, wf)
    rank = result.shape.rank
    if bias is not None:
        result = result + tf.reshape(tf.cast(bias, tf.float64), [1, -1] + [1] * (rank - 2))
    scale = tf.cast(x_scale, tf.float64) * tf.reshape(tf.cast(w_scale, tf.float64), [-1] if w_scale.shape.rank else [])
    multiplier = tf.reshape(scale, [1, -1] + [1] * (rank - 2)) if scale.shape.rank else scale
    values = result * multiplier / tf.cast(y_scale, tf.float64)
    out_type = y_zero.dtype if y_zero is not None else x.dtype
    if y_zero is not None:
        values = values + tf.cast(y_zero, tf.float64)
    low, high = INTEGER_RANGES[out_type]
    return [tf.cast(tf.math.round(tf.clip_by_value(values, low, high)), out_type)]
