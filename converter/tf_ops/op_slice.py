"""Slice: attributes before opset 10, inputs (with steps) since. ONNX clamps starts/ends exactly as Python
slicing does (negative counts from the end, INT_MAX means "to the end"), and so does tf.strided_slice."""
import numpy as np
import tensorflow as tf

from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_INT64_MAX = np.iinfo(np.int64).max


def _slice(data, starts, ends, axes, steps):
    """Full-rank begin/end/stride vectors; axes not sliced take the whole range (static when inputs are)."""
    rank = data.shape.rank
    static_axes = tf.get_static_value(axes)
    if static_axes is not None:
        axes = tf.constant([[normalize_axis(int(a), rank)] for a in np.reshape(static_axes, -1)], tf.int64)
    else:
        axes = tf.cast(axes, tf.int64)
        axes = tf.expand_dims(tf.where(axes < 0, axes + rank, axes), -1)
    begin = _full(starts, axes, rank, 0)
    end = _full(ends, axes, rank, _INT64_MAX)
    stride = _full(steps, axes, rank, 1) if steps is not None else None
    begin, end = _clamp_to_static_dims(data, begin, end, stride)
    result = tf.strided_slice(data, begin, end, stride)
    # run-time begin/end lose the rank in TF's shape inference; Slice never changes it
    return result if result.shape.rank is not None or rank is None else tf.ensure_shape(result, [None] * rank)


def _full(values, axes, rank, fill):
    static_values, static_axes = tf.get_static_value(values), tf.get_static_value(axes)
    if static_values is not None and static_axes is not None:
        full = [fill] * rank
        for axis, v in zip(np.reshape(static_axes, -1), np.reshape(static_values, -1)):
            full[int(axis)] = int(v)
        return tf.constant(full, tf.int64)
    return tf.tensor_scatter_nd_update(tf.fill([rank], tf.constant(fill, tf.int64)), axes, tf.cast(values, tf.int64))


def _clamp_to_static_dims(data, begin, end, stride):
    """Clamp constant begin/end into [-d, d] (step > 0) or [-d-1, d-1] (step < 0) where the dim d is known:
    the same slice, without the INT64_MIN/INT64_MAX sentinels exporters write for "to the end", which make
    grappler's layout optimizer fail ("Subshape start out of bounds") and then skip the op fusions too."""
    if data.shape.rank is None:
        return begin, end
    values = [tf.get_static_value(begin), tf.get_static_value(end),
              tf.get_static_value(stride) if stride is not None else np.ones(data.shape.rank, np.int64)]
    if any(v is None for v in values):
        return begin, end
    clamped_begin, clamped_end = [], []
    for b, e, step, d in zip(*values, data.shape.as_list()):
        if d is None:
            clamped_begin.append(int(b))
            clamped_end.append(int(e))
            continue
        low, high = (-d, d) if step > 0 else (-d - 1, d - 1)
        clamped_begin.append(min(max(int(b), low), high))
        clamped_end.append(min(max(int(e), low), high))
    return tf.constant(clamped_begin, tf.int64), tf.constant(clamped_end, tf.int64)


@tf_op("Slice", since=1)
def slice_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    starts, ends = list(node.attr("starts")), list(node.attr("ends"))
    axes = list(node.attr("axes") or range(len(starts)))
    return [_slice(node.inputs[0], tf.constant(starts, tf.int64), tf.constant(ends, tf.int64),
                   tf.constant(axes, tf.int64), None)]


@tf_op("Slice", since=10)
def slice_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    starts = node.inputs[1]
    axes = node.input(3)
    if axes is None:
        axes = tf.range(tf.size(starts, out_type=tf.int64))
    return [_slice(node.inputs[0], starts, node.inputs[2], axes, node.input(4))]
