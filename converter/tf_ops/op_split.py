"""Split: sizes as attribute (< 13), as optional input (>= 13), or num_outputs with a smaller last chunk (>= 18)."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims
from converter.tf_ops._util import normalize_axis, static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _split(node, sizes):
    data = node.inputs[0]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    count = len(node.output_names)
    dim = dims(data)[axis]
    if sizes is None:
        sizes = _even_sizes(dim, count, uneven_last=node.opset >= 18)
    if isinstance(dim, int) and isinstance(sizes, list) and (sum(sizes) != dim or min(sizes) < 0):
        return _split_by_slices(data, sizes, axis)
    return list(tf.split(data, sizes, axis=axis, num=count))


def _split_by_slices(data, sizes, axis):
    """Sizes that do not fit the static dim: only valid in an If branch that is traced but never taken
    (tf.split would fail while tracing it), so slice instead and let run time decide."""
    outputs, start = [], 0
    for size in sizes:
        outputs.append(tf.gather(data, tf.range(start, start + size), axis=axis) if size >= 0 else data)
        start += max(size, 0)
    return outputs


def _even_sizes(dim, count: int, uneven_last: bool):
    if isinstance(dim, int) and (uneven_last or dim % count == 0):
        chunk = -(-dim // count)
        return [chunk] * (count - 1) + [dim - chunk * (count - 1)]
    if not uneven_last:
        return count
    chunk = (dim + count - 1) // count
    return tf.concat([tf.fill([count - 1], chunk), [dim - chunk * (count - 1)]], 0)


@tf_op("Split", since=2)
def split_2(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    split = node.attr("split")
    return _split(node, list(split) if split else None)


@tf_op("Split", since=13)
def split_13(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    if node.input(1) is None:
        return _split(node, None)
    sizes = static_ints(node, 1)
    return _split(node, sizes if sizes is not None else tf.cast(node.inputs[1], tf.int64))


@tf_op("Split", since=18)
def split_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return split_13(ctx, node)
