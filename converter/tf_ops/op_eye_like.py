"""EyeLike: a 2-D tensor shaped like the input with ones on diagonal k; dtype from the attribute or
the input's. Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("EyeLike", since=9)
def eye_like_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    dtype = tf_dtype(node.attr("dtype")) if node.attr("dtype") is not None else x.dtype
    shape = tf.shape(x)
    rows = tf.range(shape[0])[:, None]
    columns = tf.range(shape[1])[None, :]
    on_diagonal = tf.math.equal(columns - rows, node.attr("k", 0))
    return [tf.cast(on_diagonal, dtype)]
