"""NonZero: indices of non-zero elements as [rank, count] int64, in row-major order."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("NonZero", since=9)
def non_zero_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    mask = data if data.dtype == tf.bool else tf.not_equal(data, tf.zeros([], data.dtype))
    if data.shape.rank == 0:   # tf.where of a scalar gives [n, 0]; ONNX treats a scalar as one element
        mask = tf.reshape(mask, [1])
    return [tf.transpose(tf.where(mask))]
