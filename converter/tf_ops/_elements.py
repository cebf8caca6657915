"""Full coordinates for the *Elements ops: the index tensor replaces one axis of an implicit meshgrid."""
from __future__ import annotations

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._shape_util import positive_indices


def element_coordinates(data, indices, axis: int):
    """[*indices.shape, rank] int64 coordinates into `data` for GatherElements/ScatterElements."""
    indices = tf.cast(positive_indices(indices, tf.shape(data, out_type=tf.int64)[axis]), tf.int64)
    shape = tf.shape(indices, out_type=tf.int64)
    rank = indices.shape.rank
    grids = tf.meshgrid(*[tf.range(shape[d]) for d in range(rank)], indexing="ij")
    grids[axis] = indices
    return tf.stack(grids, axis=-1)


def gather_along_last_axis(data, indices):
    """GatherElements along the last axis as one batched gather (GatherV2 with every leading axis a batch axis):
    no coordinate grid is built, stacked and read back (DeBERTa's relative-position gathers at batch 8: about
    140 us each that way, docs/performance.md). `data` is first cut to the index's leading sizes where they may
    be smaller, as the op allows; where both are known and equal nothing is cut."""
    rank = data.shape.rank
    indices = positive_indices(indices, tf.shape(data, out_type=tf.int64)[-1])
    leading_data, leading_indices = data.shape[:-1], indices.shape[:-1]
    if not (leading_data.is_fully_defined() and leading_data == leading_indices):
        size = tf.concat([tf.shape(indices)[:-1], [-1]], 0)
        data = tf.slice(data, tf.zeros([rank], tf.int32), size)
    return tf.gather(data, indices, axis=rank - 1, batch_dims=rank - 1)


def scatter_with_reduction(data, coordinates, updates, reduction: str, describe: str):
    """tensor_scatter_nd with ONNX reductions; `mul` goes through a segment product (TF has no scatter-mul)."""
    if reduction == "none":
        return tf.tensor_scatter_nd_update(data, coordinates, updates)
    if reduction == "add":
        return tf.tensor_scatter_nd_add(data, coordinates, updates)
    if reduction == "max":
        return tf.tensor_scatter_nd_max(data, coordinates, updates)
    if reduction == "min":
        return tf.tensor_scatter_nd_min(data, coordinates, updates)
    if reduction == "mul":
        return _scatter_mul(data, coordinates, updates)
    raise OpTranslationError(f"{describe}: reduction {reduction!r} is not one of none/add/mul/max/min")


def _scatter_mul(data, coordinates, updates):
    shape = tf.shape(data, out_type=tf.int64)
    depth = coordinates.shape[-1]
    outer = shape[:depth]
    strides = tf.math.cumprod(outer, exclusive=True, reverse=True)
    linear = tf.reduce_sum(tf.reshape(coordinates, [-1, depth]) * strides, axis=-1)
    inner = shape[depth:]
    flat_updates = tf.reshape(updates, tf.concat([[-1], inner], 0))
    products = tf.math.unsorted_segment_prod(flat_updates, linear, tf.reduce_prod(outer))
    return data * tf.reshape(products, shape)
