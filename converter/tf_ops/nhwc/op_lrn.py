"""converter.nhwc::LRN: the ONNX LRN window runs over the last (channel) axis; 4-D float32 with an odd
window is exactly TF's LocalResponseNormalization (depth_radius = (size-1)/2, alpha = alpha/size)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LRN", since=1, domain=NHWC_DOMAIN)
def nhwc_lrn_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    size = int(node.attr("size"))
    alpha, beta, bias = float(node.attr("alpha", 1e-4)), float(node.attr("beta", 0.75)), float(node.attr("bias", 1.0))
    if x.shape.rank == 4 and size % 2 == 1 and x.dtype == tf.float32:
        return [tf.nn.local_response_normalization(x, (size - 1) // 2, bias, alpha / size, beta)]
    before, after = (size - 1) // 2, size // 2
    squares = tf.pad(tf.square(x), [[0, 0]] * (x.shape.rank - 1) + [[before, after]])
    channels = tf.shape(x)[-1]
    window_sum = tf.add_n([squares[..., offset:offset + channels] for offset in range(size)])
    return [x / tf.pow(tf.cast(bias, x.dtype) + tf.cast(alpha / size, x.dtype) * window_sum, tf.cast(beta, x.dtype))]
