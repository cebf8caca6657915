"""SplitToSequence: split along `axis` into a static-length sequence.

`split` omitted: pieces of size 1 (squeezed unless keepdims=1); a scalar: equal pieces of that size,
the last one smaller; a 1-D tensor: the piece sizes. The dimension being split must be static
(the sequence length depends on it); the other dimensions may be dynamic (e.g. a None batch)."""
import tensorflow as tf

from converter.tf_ops._util import normalize_axis, require_static_ints
from converter.errors import OpTranslationError
from converter.tf_ops.registry import tf_op


@tf_op("SplitToSequence", since=11)
def split_to_sequence_11(ctx, node):
    data = node.inputs[0]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    dim = data.shape[axis]
    if dim is None:
        raise OpTranslationError(f"{node.describe()}: the split axis {axis} must have a static size "
                                 "(the sequence length depends on it)")
    if node.input(1) is None:
        pieces = tf.split(data, dim, axis=axis)
        return [pieces if node.attr("keepdims", 1) else [tf.squeeze(p, axis) for p in pieces]]
    sizes = require_static_ints(node, 1, "split")
    if node.inputs[1].shape.rank == 0:
        chunk = sizes[0]
        sizes = [chunk] * (dim // chunk) + ([dim % chunk] if dim % chunk else [])
    return [tf.split(data, sizes, axis=axis)]
