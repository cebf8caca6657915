"""LayerNormalization (opset 17): normalize over axes [axis, rank); optional Mean and InvStdDev
outputs keep the reduced axes as size 1."""
import numpy as np
import tensorflow as tf

from converter.tf_ops._norm import stash_dtype, standardize
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LayerNormalization", since=17)
def layer_normalization_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias = node.inputs[0], node.inputs[1], node.input(2)
    rank = x.shape.rank
    axis = normalize_axis(node.attr("axis", -1), rank)
    work = stash_dtype(x.dtype, node.attr("stash_type", 1))
    normalized, mean, inv_std = standardize(tf.cast(x, work), list(range(axis, rank)), node.attr("epsilon", 1e-5))
    y = tf.cast(normalized, x.dtype)
    if not _all_equal(ctx, scale, 1):      # a one-group GroupNorm's unit scale and zero bias: two passes saved
        y = y * scale
    if bias is not None and not _all_equal(ctx, bias, 0):
        y = y + bias
    return [y, tf.cast(mean, work), tf.cast(inv_std, work)]


def _all_equal(ctx: TranslationContext, tensor, number: float) -> bool:
    value = ctx.static_value(tensor)
    return value is not None and bool(np.all(value == number))
