"""BitCast: reinterpret the bits as the `to` type of the same width (shape unchanged). TF's
Bitcast has no bool: bool <-> 8-bit ints go through a value cast, which keeps the bits of 0 and 1."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._cast import target_dtype
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BitCast", since=26)
def bit_cast_26(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    dtype = target_dtype(node.attr("to"), node.describe())
    if x.dtype.size != dtype.size or tf.string in (x.dtype, dtype):
        raise OpTranslationError(f"{node.describe()}: cannot bit-cast {x.dtype.name} to {dtype.name}; "
                                 "both must be non-string types of the same bit width")
    if x.dtype == dtype:
        return [tf.identity(x)]
    if dtype == tf.bool:
        return [tf.math.not_equal(x, tf.zeros([], x.dtype))]
    if x.dtype == tf.bool:
        return [tf.cast(x, dtype)]
    return [tf.bitcast(x, dtype)]
