"""MelWeightMatrix: [dft_length // 2 + 1, num_mel_bins] triangular filters on the mel scale, built
the way the ONNX reference does (num_mel_bins + 2 points spaced (high - low) / (num_mel_bins + 2)
apart in mel, floored to spectrogram bins). All inputs may be run-time values."""
import math

import onnx
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _scalar(value, dtype=tf.float64):
    return tf.cast(tf.reshape(value, []), dtype)


@tf_op("MelWeightMatrix", since=17)
def mel_weight_matrix_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    mel_bins = _scalar(node.inputs[0], tf.int64)
    dft_length = _scalar(node.inputs[1], tf.int64)
    sample_rate = _scalar(node.inputs[2])
    low_mel, high_mel = (2595.0 * tf.math.log1p(_scalar(hz) / 700.0) / math.log(10.0) for hz in node.inputs[3:5])
    points = tf.range(mel_bins + 2, dtype=tf.float64)
    mels = points * ((high_mel - low_mel) / tf.cast(mel_bins + 2, tf.float64)) + low_mel
    hertz = 700.0 * tf.math.expm1(mels / 2595.0 * math.log(10.0))
    bins = tf.floor(tf.cast(dft_length + 1, tf.float64) * hertz / sample_rate)
    lower, center, upper = bins[None, :-2], bins[None, 1:-1], bins[None, 2:]
    j = tf.range(dft_length // 2 + 1, dtype=tf.float64)[:, None]
    rising = (j - lower) / tf.maximum(center - lower, 1.0)
    falling = (upper - j) / tf.maximum(upper - center, 1.0)
    one, zero = tf.ones_like(rising), tf.zeros_like(rising)
    weights = tf.where(j == center, one,
                       tf.where((j >= lower) & (j < center), rising,
                                tf.where((j > center) & (j < upper), falling, zero)))
    return [tf.cast(weights, tf_dtype(node.attr("output_datatype", onnx.TensorProto.FLOAT)))]
