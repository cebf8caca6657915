"""LRN across channels (axis 1): x / (bias + alpha/size * sum of squares over the window
[c - floor((size-1)/2), c + ceil((size-1)/2)]) ** beta."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LRN", since=1)
def lrn_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    size = int(node.attr("size"))
    alpha, beta, bias = node.attr("alpha", 1e-4), node.attr("beta", 0.75), node.attr("bias", 1.0)
    before, after = (size - 1) // 2, size // 2        # floor and ceil of (size - 1) / 2
    rank = x.shape.rank
    squares = tf.square(x)
    padded = tf.pad(squares, [[0, 0], [before, after]] + [[0, 0]] * (rank - 2))
    channels = tf.shape(x)[1]
    # Sum of `size` shifted channel windows (size is a small constant).
    window_sum = tf.add_n([padded[:, offset:offset + channels] for offset in range(size)])
    denominator = tf.pow(tf.cast(bias, x.dtype) + tf.cast(alpha / size, x.dtype) * window_sum, tf.cast(beta, x.dtype))
    return [x / denominator]
