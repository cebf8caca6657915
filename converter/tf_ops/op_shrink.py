"""Shrink: x + bias for x < -lambd, x - bias for x > lambd, 0 in between. For integer x the float
attributes apply in float64 and the result is cast back, as onnx's reference does."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Shrink", since=9)
def shrink_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    compute = x if x.dtype.is_floating else tf.cast(x, tf.float64)
    lambd = tf.constant(node.attr("lambd", 0.5), compute.dtype)
    bias = tf.constant(node.attr("bias", 0.0), compute.dtype)
    shrunk = tf.where(compute < -lambd, compute + bias,
                      tf.where(compute > lambd, compute - bias, tf.zeros_like(compute)))
    return [tf.cast(shrunk, x.dtype)]
