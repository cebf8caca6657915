"""Unique: outputs Y, first-occurrence indices, inverse indices, counts. sorted=1 (default) orders the unique
values (or slices along `axis`, lexicographically); sorted=0 keeps first-occurrence order as tf.unique does."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._shape_util import dims, product, stack_dims
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.registry import tf_op


def _lexicographic_order(rows, width: int):
    """Stable argsort of the rows of a [n, width] tensor, comparing columns left to right."""
    order = tf.range(tf.shape(rows, out_type=tf.int64)[0])
    keys = tf.cast(rows, tf.int32) if rows.dtype == tf.bool else rows
    for column in reversed(range(width)):
        step = tf.argsort(tf.gather(keys[:, column], order), stable=True)
        order = tf.gather(order, step)
    return order


@tf_op("Unique", since=11)
def unique_11(ctx, node):
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
    width = rows.shape[1]
    values, inverse = tf.raw_ops.UniqueV2(x=rows, axis=tf.constant([0], tf.int64), out_idx=tf.int64)
    count_unique = tf.shape(values, out_type=tf.int64)[0]
    positions = tf.range(tf.shape(rows, out_type=tf.int64)[0])
    first = tf.math.unsorted_segment_min(positions, inverse, count_unique)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(positions), inverse, count_unique)
    if node.attr("sorted", 1):
        if width is None or data.dtype == tf.string:
            raise OpTranslationError(f"{node.describe()}: sorted Unique needs a static slice size and a numeric type")
        order = _lexicographic_order(values, width)
        values, first, counts = tf.gather(values, order), tf.gather(first, order), tf.gather(counts, order)
        inverse = tf.gather(tf.math.invert_permutation(order), inverse)
    out_shape = tf.concat([[count_unique], tf.shape(moved, out_type=tf.int64)[1:]], 0)
    values = tf.reshape(values, out_shape)
    if perm is None:
        values = tf.reshape(values, [-1])
    else:
        values = tf.transpose(values, tf.math.invert_permutation(perm))
    return [values, first, inverse, counts]
