"""ConcatFromSequence: concatenate (new_axis=0) or stack (new_axis=1) the elements along `axis`."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops.registry import tf_op


@tf_op("ConcatFromSequence", since=11)
def concat_from_sequence_11(ctx, node):
    elements = sequence.to_list(node.inputs[0], node.describe())
    if not elements:
        raise OpTranslationError(f"{node.describe()}: cannot concatenate an empty sequence")
    axis = node.attr("axis")
    if node.attr("new_axis", 0) == 1:
        return [tf.stack(elements, axis=axis)]
    return [tf.concat(elements, axis=axis)]
