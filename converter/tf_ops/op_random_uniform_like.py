"""RandomUniformLike: RandomUniform with the input's (run-time) shape; dtype from the attribute or
the input. Version 22 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RandomUniformLike", since=1)
def random_uniform_like_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    dtype = tf_dtype(node.attr("dtype")) if node.attr("dtype") is not None else x.dtype
    return [_random.uniform(tf.shape(x), dtype, node.attr("low", 0.0), node.attr("high", 1.0),
                            node.attr("seed"))]
