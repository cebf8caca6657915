"""Multinomial: `sample_size` class indices per batch row drawn from unnormalized log-probabilities
[batch, classes]; dtype int32 (default) or int64. Version 22 only adds bfloat16 inputs."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Multinomial", since=7)
def multinomial_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    dtype = tf_dtype(node.attr("dtype", 6))
    if dtype not in (tf.int32, tf.int64):
        raise OpTranslationError(f"{node.describe()}: dtype {dtype.name} is not int32 or int64")
    logits = node.inputs[0]
    if logits.dtype in (tf.float16, tf.bfloat16):
        logits = tf.cast(logits, tf.float32)
    return [_random.categorical(logits, node.attr("sample_size", 1), dtype, node.attr("seed"))]
