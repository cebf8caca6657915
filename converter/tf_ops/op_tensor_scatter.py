"""TensorScatter (opset 24, KV-cache update): write `update` into `past_cache` along `axis`, starting per
batch entry at write_indices[b] (0 when omitted); circular mode wraps modulo the cache length."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("TensorScatter", since=24)
def tensor_scatter_24(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    cache, update = node.inputs[0], node.inputs[1]
    mode = node.attr("mode", "linear")
    if mode not in ("linear", "circular"):
        raise OpTranslationError(f"{node.describe()}: mode {mode!r} is not linear or circular")
    rank = cache.shape.rank
    axis = normalize_axis(node.attr("axis", -2), rank)
    cache_shape = tf.shape(cache, out_type=tf.int64)
    update_shape = tf.shape(update, out_type=tf.int64)
    starts = node.input(2)
    starts = tf.zeros(cache_shape[:1], tf.int64) if starts is None else tf.cast(starts, tf.int64)
    grids = tf.meshgrid(*[tf.range(update_shape[d]) for d in range(rank)], indexing="ij")
    batch_start = tf.reshape(starts, [-1] + [1] * (rank - 1))
    position = grids[axis] + batch_start
    if mode == "circular":
        position = tf.math.floormod(position, cache_shape[axis])
    grids[axis] = position
    return [tf.tensor_scatter_nd_update(cache, tf.stack(grids, axis=-1), update)]
