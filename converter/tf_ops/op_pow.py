"""Pow: the exponent may have another type than the base (since 12); the output has the base's type.

Like onnx's reference (numpy power then a cast to the base type): an integer base with a float
exponent is raised in float64 and truncated back; a float base takes the exponent cast to its type.
TF has no Pow kernel for unsigned ints, which compute in int64 (uint64 in float64 would round, so it
is refused). Before 7, the legacy broadcast/axis attributes. Versions 13 and 15 only add types.
"""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import INTEGERS, legacy_broadcast
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Pow", since=1)
def pow_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_power(node, *legacy_broadcast(node, node.inputs[0], node.inputs[1]))]


@tf_op("Pow", since=7)
def pow_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_power(node, node.inputs[0], node.inputs[1])]


def _power(node, base, exponent):
    if base.dtype == tf.uint64:
        raise OpTranslationError(f"{node.describe()}: TensorFlow has no Pow kernel for uint64; "
                                 "cast the operands to int64 or a float type before Pow")
    if base.dtype in INTEGERS:
        compute = tf.float64 if exponent.dtype.is_floating else tf.int64
        result = tf.math.pow(tf.cast(base, compute), tf.cast(exponent, compute))
        return tf.cast(result, base.dtype)
    return tf.math.pow(base, tf.cast(exponent, base.dtype))
