"""GroupNormalization: statistics per instance per group of channels. scale/bias had one value
per group in opset 18 and one per channel since opset 21."""
import tensorflow as tf

from converter.tf_ops._norm import per_channel, stash_dtype, standardize
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _group_standardize(node):
    x = node.inputs[0]
    groups = int(node.attr("num_groups"))
    shape = tf.shape(x)
    grouped = tf.reshape(x, tf.concat([shape[:1], [groups, -1]], axis=0))
    work = stash_dtype(x.dtype, node.attr("stash_type", 1))
    normalized, _, _ = standardize(tf.cast(grouped, work), [2], node.attr("epsilon", 1e-5))
    return tf.cast(normalized, x.dtype), groups


@tf_op("GroupNormalization", since=18)
def group_normalization_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias = node.inputs[:3]
    normalized, groups = _group_standardize(node)      # [N, G, C/G * spatial]
    normalized = normalized * tf.reshape(scale, [groups, 1]) + tf.reshape(bias, [groups, 1])
    return [tf.reshape(normalized, tf.shape(x))]


@tf_op("GroupNormalization", since=21)
def group_normalization_21(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias = node.inputs[:3]
    normalized, _ = _group_standardize(node)
    rank = x.shape.rank
    y = tf.reshape(normalized, tf.shape(x)) * per_channel(scale, rank) + per_channel(bias, rank)
    return [y]
