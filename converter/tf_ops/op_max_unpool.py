"""MaxUnpool: scatter values to the flat NCHW positions MaxPool's Indices name; zeros elsewhere."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MaxUnpool", since=9)
def max_unpool_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    """Indices address the inferred (unpadded) shape; a given output_shape only adds zeros at the end."""
    x, indices, output_shape = node.input(0), node.input(1), node.input(2)
    inferred = _default_output_shape(node, x)
    flat = tf.scatter_nd(tf.reshape(tf.cast(indices, tf.int64), [-1, 1]), tf.reshape(x, [-1]),
                         tf.reshape(tf.reduce_prod(inferred), [1]))
    y = tf.reshape(flat, inferred)
    if output_shape is None:
        return [y]
    grow = tf.cast(output_shape, tf.int64) - inferred
    return [tf.pad(y, tf.stack([tf.zeros_like(grow), grow], axis=1))]


def _default_output_shape(node, x):
    """(in - 1) * stride + kernel - pads_begin - pads_end per spatial axis."""
    kernel = list(node.attr("kernel_shape"))
    rank = len(kernel)
    strides = list(node.attr("strides") or [1] * rank)
    pads = list(node.attr("pads") or [0] * 2 * rank)
    shape = tf.shape(x, out_type=tf.int64)
    spatial = [(shape[i + 2] - 1) * s + k - pads[i] - pads[i + rank]
               for i, (s, k) in enumerate(zip(strides, kernel))]
    return tf.stack([shape[0], shape[1], *spatial])
