"""Shape: int64 dims; start/end (opset 15) slice them with clamping, as Python slicing does."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Shape", since=1)
def shape_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    start = node.attr("start", 0)
    end = node.attr("end")
    rank = data.shape.rank
    shape = tf.shape(data, out_type=tf.int64)
    if rank is None:                       # strided_slice clamps the same way at run time
        return [shape[slice(start, end)]]
    selected = range(rank)[slice(start, end)]
    if len(selected) == rank:
        return [shape]
    if not selected:
        return [tf.zeros([0], tf.int64)]
    return [shape[selected.start:selected.stop]]
