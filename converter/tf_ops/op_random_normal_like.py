"""RandomNormalLike: RandomNormal with the input's (run-time) shape; dtype from the attribute or the
input. Version 22 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RandomNormalLike", since=1)
def random_normal_like_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    dtype = tf_dtype(node.attr("dtype")) if node.attr("dtype") is not None else x.dtype
    return [_random.normal(tf.shape(x), dtype, node.attr("mean", 0.0), node.attr("scale", 1.0),
                           node.attr("seed"))]
