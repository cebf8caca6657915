"""converter.nhwc::InstanceNormalization: normalise each (image, channel) over the spatial axes."""
import tensorflow as tf

from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.registry import tf_op


@tf_op("InstanceNormalization", since=1, domain=NHWC_DOMAIN)
def nhwc_instance_normalization_1(ctx, node):
    x, scale, bias = node.inputs[:3]
    epsilon = float(node.attr("epsilon", 1e-5))
    mean, variance = tf.nn.moments(x, axes=list(range(1, x.shape.rank - 1)), keepdims=True)
    return [(x - mean) * tf.math.rsqrt(variance + epsilon) * scale + bias]
