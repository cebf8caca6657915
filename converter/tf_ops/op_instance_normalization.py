"""InstanceNormalization: per instance and channel over the spatial axes; scale/B per channel."""
import tensorflow as tf

from converter.tf_ops._norm import per_channel, stash_dtype, standardize
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("InstanceNormalization", since=6)
def instance_normalization_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias = node.inputs[:3]
    rank = x.shape.rank
    work = stash_dtype(x.dtype, 1)
    normalized, _, _ = standardize(tf.cast(x, work), list(range(2, rank)), node.attr("epsilon", 1e-5))
    y = tf.cast(normalized, x.dtype) * per_channel(scale, rank) + per_channel(bias, rank)
    return [y]
