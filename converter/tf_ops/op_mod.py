"""Mod: fmod=0 is Python's `%` (result takes the divisor's sign: TF FloorMod), fmod=1 is C's fmod
(result takes the dividend's sign: TF TruncateMod). Version 28 spells out fmod=0 for floats, which
FloorMod already follows; version 13 only adds types.

TF lacks TruncateMod for 8/16-bit and unsigned ints and for half floats: those compute in a wider
type (unsigned values are the same under both definitions, so FloorMod serves them).
"""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import UNSIGNED, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Mod", since=10)
def mod_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a, b = node.inputs[0], node.inputs[1]
    fmod = node.attr("fmod", 0)
    if fmod == 0:
        return [_floor_mod(a, b)]
    if fmod == 1:
        if a.dtype in UNSIGNED:
            return [tf.math.floormod(a, b)]
        return [widened(tf.truncatemod, a, b, when=(tf.int8, tf.int16, tf.float16, tf.bfloat16))]
    raise OpTranslationError(f"{node.describe()}: fmod={fmod} is not 0 or 1")


def _floor_mod(a, b):
    result = tf.math.floormod(a, b)
    if not a.dtype.is_floating:
        return result
    # FloorMod keeps the dividend's sign on a zero result; ONNX (like numpy) gives it the divisor's.
    zero_with_divisor_sign = tf.zeros_like(result) * tf.math.sign(b)
    return tf.where(tf.math.equal(result, 0), zero_with_divisor_sign, result)
