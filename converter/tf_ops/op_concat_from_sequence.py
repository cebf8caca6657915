"""ConcatFromSequence: concatenate (new_axis=0) or stack (new_axis=1) the elements along `axis`.

Static-length sequences use tf.concat / tf.stack. A DynamicSequence (e.g. a Python list appended to
in a scripted loop, then torch.stack / torch.cat) is gathered with a while loop: each element gets
the concatenation axis moved to the front, a TensorArray concatenates along it, and the axis is
moved back; rank and axis may then be run-time values."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ConcatFromSequence", since=11)
def concat_from_sequence_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axis, new_axis = node.attr("axis"), node.attr("new_axis", 0) == 1
    value = node.inputs[0]
    if isinstance(value, sequence.DynamicSequence):
        return [_concat_dynamic(value, axis, new_axis)]
    if not value:
        raise OpTranslationError(f"{node.describe()}: cannot concatenate an empty sequence")
    return [tf.stack(value, axis=axis) if new_axis else tf.concat(value, axis=axis)]


def _concat_dynamic(elements: sequence.DynamicSequence, axis: int, new_axis: bool):
    count = elements.length()
    first_rank = tf.cast(elements.dim_offsets[1] - elements.dim_offsets[0], tf.int32)
    out_rank = first_rank + 1 if new_axis else first_rank
    axis = tf.constant(axis) if axis >= 0 else axis + out_rank

    def axis_first(tensor):
        perm = tf.concat([[axis], tf.range(axis), tf.range(axis + 1, out_rank)], axis=0)
        return tf.transpose(tensor, perm), perm

    def write(i, arrays):
        element = elements.at(i)
        if new_axis:
            element = tf.expand_dims(element, axis)
        return i + 1, arrays.write(tf.cast(i, tf.int32), axis_first(element)[0])

    arrays = tf.TensorArray(elements.flat.dtype, size=tf.cast(count, tf.int32), infer_shape=False,
                            element_shape=tf.TensorShape(None))
    _, arrays = tf.while_loop(lambda i, _: i < count, write, (tf.constant(0, tf.int64), arrays))
    moved = arrays.concat()
    _, perm = axis_first(moved)
    return tf.transpose(moved, tf.math.invert_permutation(perm))
