"""SplitToSequence: split along `axis` into a sequence.

`split` omitted: pieces of size 1 (squeezed unless keepdims=1); a scalar: equal pieces of that size,
the last one smaller; a 1-D tensor: the piece sizes. The dimension being split must be static; the
others may be dynamic (e.g. a None batch). A run-time scalar chunk size gives a DynamicSequence (the
number of pieces is then only known at run time); otherwise the sequence is a Python list."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._util import normalize_axis, require_static_ints, static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op
from converter.tf_ops.sequence import empty_sequence, insert


@tf_op("SplitToSequence", since=11)
def split_to_sequence_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    dim = data.shape[axis]
    if dim is None:
        raise OpTranslationError(f"{node.describe()}: the split axis {axis} must have a static size "
                                 "(the sequence length depends on it)")
    if node.input(1) is None:
        pieces = tf.split(data, dim, axis=axis)
        return [pieces if node.attr("keepdims", 1) else [tf.squeeze(p, axis) for p in pieces]]
    split = node.inputs[1]
    if split.shape.rank == 1 and split.shape[0] is not None and static_ints(node, 1) is None:
        return [tf.split(data, split, num=split.shape[0], axis=axis)]   # sizes known only at run time
    if split.shape.rank == 0 and static_ints(node, 1) is None:
        return [_split_in_chunks(data, split, axis, dim)]
    sizes = require_static_ints(node, 1, "split")
    if split.shape.rank == 0:
        chunk = sizes[0]
        sizes = [chunk] * (dim // chunk) + ([dim % chunk] if dim % chunk else [])
    return [tf.split(data, sizes, axis=axis)]


def _split_in_chunks(data, chunk, axis: int, dim: int):
    """Pieces of a run-time `chunk` size: their number is known only at run time (a DynamicSequence)."""
    chunk = tf.cast(chunk, tf.int64)
    moved = tf.experimental.numpy.moveaxis(data, axis, 0)

    def add_piece(start, pieces):
        piece = tf.experimental.numpy.moveaxis(moved[start:tf.minimum(start + chunk, dim)], 0, axis)
        return start + chunk, insert(pieces, piece)

    initial = empty_sequence(data.dtype)
    _, pieces = tf.while_loop(lambda start, _: start < dim, add_piece, (tf.constant(0, tf.int64), initial),
                              shape_invariants=(tf.TensorShape([]), tf.type_spec_from_value(initial)))
    return pieces
