"""Unique: outputs Y, first-occurrence indices, inverse indices, counts. sorted=1 (default) orders the unique
values (or slices along `axis`, lexicographically); sorted=0 keeps first-occurrence order as tf.unique does."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, product, stack_dims
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _sort_keys(rows):
    """A numeric [n, k] matrix whose row order (lexicographic) is the order of `rows`. Strings become their
    code points padded with -1 (a prefix sorts first), which is Python's str order."""
    if rows.dtype == tf.bool:
        return tf.cast(rows, tf.int32)
    if rows.dtype != tf.string:
        return rows
    points = tf.strings.unicode_decode(rows, "UTF-8").to_tensor(default_value=-1)     # [n, m, longest]
    return tf.reshape(points, tf.stack([tf.shape(points)[0], -1]))


def _lexicographic_order(rows):
    """Stable argsort of the rows of a [n, k] tensor, comparing columns left to right (k may be dynamic)."""
    keys = _sort_keys(rows)

    def sort_by_column(column, order):
        step = tf.argsort(tf.gather(keys[:, column], order), stable=True)
        return column - 1, tf.gather(order, step)

    start = (tf.shape(keys)[1] - 1, tf.range(tf.shape(keys, out_type=tf.int64)[0]))
    _, order = tf.while_loop(lambda column, _: column >= 0, sort_by_column, start)
    return order


@tf_op("Unique", since=11)
def unique_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    axis = node.attr("axis")
    if axis is None:
        moved, perm = tf.reshape(data, [-1, 1]), None
    else:
        axis = normalize_axis(axis, data.shape.rank)
        perm = [axis] + [d for d in range(data.shape.rank) if d != axis]
        moved = tf.transpose(data, perm)
    moved_dims = dims(moved)
    rows = tf.reshape(moved, stack_dims([moved_dims[0], product(moved_dims[1:])]))
    values, inverse = tf.raw_ops.UniqueV2(x=rows, axis=tf.constant([0], tf.int64), out_idx=tf.int64)
    count_unique = tf.shape(values, out_type=tf.int64)[0]
    positions = tf.range(tf.shape(rows, out_type=tf.int64)[0])
    first = tf.math.unsorted_segment_min(positions, inverse, count_unique)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(positions), inverse, count_unique)
    if node.attr("sorted", 1):
        order = _lexicographic_order(values)
        values, first, counts = tf.gather(values, order), tf.gather(first, order), tf.gather(counts, order)
        inverse = tf.gather(tf.math.invert_permutation(order), inverse)
    out_shape = tf.concat([[count_unique], tf.shape(moved, out_type=tf.int64)[1:]], 0)
    values = tf.reshape(values, out_shape)
    if perm is None:
        values = tf.reshape(values, [-1])
    else:
        values = tf.transpose(values, tf.math.invert_permutation(perm))
    return [values, first, inverse, counts]
