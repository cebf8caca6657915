"""Shared by the window ops: the sample positions n / N (N = size when periodic, size - 1 when
symmetric), computed in float64 and cast to `output_datatype` at the end. The size may be dynamic."""
import math

import onnx
import tensorflow as tf

from converter.tf_ops.dtypes import tf_dtype


def window(node, formula):
    size = tf.cast(tf.reshape(node.inputs[0], []), tf.int64)
    denominator = size if node.attr("periodic", 1) else size - 1
    phase = tf.range(size, dtype=tf.float64) * (2.0 * math.pi) / tf.cast(denominator, tf.float64)
    return [tf.cast(formula(phase), tf_dtype(node.attr("output_datatype", onnx.TensorProto.FLOAT)))]
