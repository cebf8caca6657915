"""Dropout. At inference (no training_mode, or training_mode false) the output is the input and the
mask all true. Versions 7-9 return a mask of the input's type, 10+ a bool mask; since 12 ratio and
training_mode are optional inputs, and a true training_mode (even one known only at run time) drops
inputs at random and scales the kept ones by 1 / (1 - ratio). Versions 13 and 22 only add types."""
import tensorflow as tf

from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Dropout", since=7)
def dropout_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.identity(x), tf.ones_like(x)]


@tf_op("Dropout", since=10)
def dropout_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.identity(x), tf.ones_like(x, dtype=tf.bool)]


@tf_op("Dropout", since=12)
def dropout_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, ratio, training = node.inputs[0], node.input(1), node.input(2)
    known_training = None if training is None else tf.get_static_value(training)
    if training is None or (known_training is not None and not known_training):
        return dropout_10(ctx, node)
    ratio = tf.constant(0.5, x.dtype) if ratio is None else tf.cast(tf.reshape(ratio, []), x.dtype)
    training = tf.reshape(training, [])
    keep = _random.uniform(tf.shape(x), x.dtype, seed=node.attr("seed")) >= ratio
    mask = tf.math.logical_or(keep, tf.math.logical_not(training))
    scale = tf.where(training, 1 / (1 - ratio), tf.ones_like(ratio))
    return [tf.where(mask, x * scale, tf.zeros_like(x)), mask]
