"""StringSplit (opset 20): Y pads the pieces with "" to the longest row; Z counts the pieces.
No (or an empty) delimiter splits on runs of whitespace, as Python's str.split() does."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("StringSplit", since=20)
def string_split_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    delimiter = node.attr("delimiter") or None
    maxsplit = node.attr("maxsplit")
    pieces = tf.strings.split(data, sep=delimiter, maxsplit=-1 if maxsplit is None else maxsplit)
    if delimiter is None:   # TF adds a trailing "" when maxsplit exceeds the pieces; whitespace splits have none
        pieces = tf.ragged.boolean_mask(pieces, tf.strings.length(pieces) > 0)
    counts = pieces.row_lengths(axis=data.shape.rank) if data.shape.rank > 0 else tf.size(pieces, out_type=tf.int64)
    padded = pieces.to_tensor(default_value="") if data.shape.rank > 0 else pieces
    return [padded, tf.cast(counts, tf.int64)]
