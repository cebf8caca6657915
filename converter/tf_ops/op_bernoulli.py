"""Bernoulli: 1 with probability p (the input), else 0; output dtype from the attribute or the
input's. Version 22 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Bernoulli", since=15)
def bernoulli_15(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    p = node.inputs[0]
    dtype = tf_dtype(node.attr("dtype")) if node.attr("dtype") is not None else p.dtype
    draws = _random.uniform(tf.shape(p), p.dtype, seed=node.attr("seed"))
    return [tf.cast(draws < p, dtype)]
