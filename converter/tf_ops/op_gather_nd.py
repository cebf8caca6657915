"""GatherND: batch_dims since opset 12 (tf.gather_nd has the same meaning); negative indices allowed."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def positive_nd_indices(data, indices, batch_dims: int):
    """Add the indexed dimension sizes to negative entries of the last indices axis."""
    indices = tf.cast(indices, tf.int64)
    depth = indices.shape[-1]
    sizes = tf.shape(data, out_type=tf.int64)[batch_dims:batch_dims + depth]
    return tf.where(indices < 0, indices + sizes, indices)


@tf_op("GatherND", since=11)
def gather_nd_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    batch_dims = node.attr("batch_dims", 0)
    indices = positive_nd_indices(data, node.inputs[1], batch_dims)
    return [tf.gather_nd(data, indices, batch_dims=batch_dims)]
