"""BitShift: direction LEFT or RIGHT. Version 11 has unsigned types only; version 28 adds signed
types (right shift is arithmetic) and defines shifts that are negative or >= the bit width: they give
the sign fill alone (-1 for a right shift of a negative value, else 0). TF clamps such shift amounts
instead, so they are masked explicitly (harmless for version 11, where they are undefined)."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitShift", since=11)
def bit_shift_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    shift = tf.cast(node.inputs[1], x.dtype)
    signed = not x.dtype.is_unsigned
    direction = node.attr("direction")
    if direction == "LEFT":
        shifted, fill = tf.bitwise.left_shift(x, shift), tf.zeros_like(x)
    elif direction == "RIGHT":
        shifted = tf.bitwise.right_shift(x, shift)
        fill = tf.where(x < 0, -tf.ones_like(x), tf.zeros_like(x)) if signed else tf.zeros_like(x)
    else:
        raise OpTranslationError(f"{node.describe()}: direction={direction!r} is not 'LEFT' or 'RIGHT'")
    out_of_range = shift >= tf.constant(x.dtype.size * 8, x.dtype)
    if signed:
        out_of_range = tf.math.logical_or(out_of_range, shift < 0)
    return [tf.where(out_of_range, fill, shifted)]
