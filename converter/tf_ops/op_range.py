"""Range: start + i * delta for i < max(ceil((limit - start) / delta), 0).

TF's Range kernel accumulates `value += delta`, which drifts for floats, so float outputs are
computed as start + i * delta: in float64 like onnx's reference (numpy arange over Python floats),
or, since version 27, in float32 for float16/bfloat16 when stash_type is FLOAT (1, the default).
Integers use TF's exact Range in int64 (it has no 16-bit kernel)."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import HALF_FLOATS
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Range", since=11)
def range_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_range(*node.inputs[:3], compute_floats_in=tf.float64)]


@tf_op("Range", since=27)
def range_27(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    start = node.inputs[0]
    stash_type = node.attr("stash_type", 1)
    if start.dtype not in HALF_FLOATS:
        return range_11(ctx, node)
    stash = {1: tf.float32, 11: tf.float64}.get(stash_type)
    if stash is None:
        raise OpTranslationError(f"{node.describe()}: stash_type={stash_type} is not FLOAT (1) or "
                                 "DOUBLE (11)")
    return [_range(*node.inputs[:3], compute_floats_in=stash)]


def _range(start, limit, delta, compute_floats_in):
    dtype = start.dtype
    if dtype.is_integer:
        values = tf.range(*[tf.cast(tf.reshape(t, []), tf.int64) for t in (start, limit, delta)])
        return tf.cast(values, dtype)
    start, limit, delta = [tf.cast(tf.reshape(t, []), compute_floats_in) for t in (start, limit, delta)]
    count = tf.math.maximum(tf.math.ceil((limit - start) / delta), 0)
    steps = tf.cast(tf.range(tf.cast(count, tf.int64)), compute_floats_in)
    return tf.cast(start + steps * delta, dtype)
