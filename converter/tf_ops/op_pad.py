"""Pad: pads/value attributes (< 11), inputs (>= 11), axes input (>= 18), wrap mode (>= 19).

Negative pads crop. Constant mode uses tf.pad then a crop; reflect/edge/wrap gather along each padded axis
with computed source indices (tf.pad has no edge or wrap mode, and this also handles negative pads).
"""
import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _pad(node, data, pads, value, axes, mode):
    rank = data.shape.rank
    static_pads = tf.get_static_value(pads)
    static_axes = tf.get_static_value(axes) if axes is not None else list(range(rank))
    if static_axes is not None:
        padded_axes = [normalize_axis(int(a), rank) for a in np.reshape(static_axes, -1)]
    else:                                                  # axes known at run time only: visit every axis
        padded_axes = list(range(rank))
    if static_pads is not None and static_axes is not None:   # constants: keep the padded shape static
        begin, end = np.zeros(rank, np.int64), np.zeros(rank, np.int64)
        begin[padded_axes], end[padded_axes] = np.reshape(static_pads, [2, -1])
        begin, end = tf.constant(begin), tf.constant(end)
    else:
        begin, end = _scatter_pads(pads, axes, padded_axes if static_axes is not None else None, rank)
    if mode == "constant":
        return _pad_constant(data, begin, end, value)
    if mode not in ("reflect", "edge", "wrap"):
        raise OpTranslationError(f"{node.describe()}: pad mode {mode!r} is not constant/reflect/edge/wrap")
    static_begin, static_end = tf.get_static_value(begin), tf.get_static_value(end)
    for axis in padded_axes:
        if static_begin is not None and static_end is not None and static_begin[axis] == static_end[axis] == 0:
            continue                                       # e.g. the batch axis: no gather needed
        size = tf.shape(data, out_type=tf.int64)[axis]
        data = tf.gather(data, _source_indices(size, begin[axis], end[axis], mode), axis=axis)
    return data


def _scatter_pads(pads, axes, padded_axes, rank):
    """Full-rank begin/end from pads over the listed axes, when pads or axes are known at run time only."""
    pads = tf.cast(tf.reshape(pads, [2, -1]), tf.int64)   # [[begin...], [end...]] for the listed axes
    if padded_axes is not None:
        index = tf.constant([[a] for a in padded_axes], tf.int64)
    else:
        axes = tf.cast(tf.reshape(axes, [-1]), tf.int64)
        index = tf.expand_dims(tf.where(axes < 0, axes + rank, axes), -1)
    return tf.scatter_nd(index, pads[0], [rank]), tf.scatter_nd(index, pads[1], [rank])


def _pad_constant(data, begin, end, value):
    static_begin, static_end = tf.get_static_value(begin), tf.get_static_value(end)
    if static_begin is not None and static_end is not None:
        # int32, TF's usual paddings type: oneDNN's Pad+Conv3D fusion aborts the process on int64 paddings
        paddings = tf.constant(np.stack([np.maximum(static_begin, 0), np.maximum(static_end, 0)], axis=1)
                               .astype(np.int32))
    else:
        paddings = tf.stack([tf.maximum(begin, 0), tf.maximum(end, 0)], axis=1)
    if _is_zero(value):   # TF's plain Pad op: oneDNN fuses it into a following Conv2D (PadV2 it does not)
        padded = tf.pad(data, paddings)
    else:
        padded = tf.pad(data, paddings, constant_values=tf.cast(tf.reshape(value, []), data.dtype))
    if static_begin is not None and static_end is not None and \
            min(static_begin.min(initial=0), static_end.min(initial=0)) >= 0:
        return padded
    crop_begin = tf.maximum(-begin, 0)
    crop_end = tf.shape(padded, out_type=tf.int64) - tf.maximum(-end, 0)
    return tf.strided_slice(padded, crop_begin, crop_end)


def _is_zero(value) -> bool:
    if value is None:
        return True
    static = tf.get_static_value(value)
    return static is not None and static.dtype.kind in "fiub" and not np.any(static) and not np.signbit(static).any()


def _source_indices(size, before, after, mode):
    """For output position j (covering [-before, size + after)), the input index it copies."""
    positions = tf.range(-before, size + after)
    if mode == "edge":
        return tf.clip_by_value(positions, 0, size - 1)
    if mode == "wrap":
        return tf.math.floormod(positions, size)
    period = tf.maximum(2 * (size - 1), 1)                  # reflect without repeating the edge
    folded = tf.math.floormod(positions, period)
    return tf.where(folded >= size, period - folded, folded)


@tf_op("Pad", since=2)
def pad_2(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    pads = tf.constant(node.attr("pads"), tf.int64)
    value = tf.constant(node.attr("value", 0.0))
    return [_pad(node, node.inputs[0], pads, value, None, node.attr("mode", "constant"))]


@tf_op("Pad", since=11)
def pad_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_pad(node, node.inputs[0], node.inputs[1], node.input(2), node.input(3), node.attr("mode", "constant"))]
