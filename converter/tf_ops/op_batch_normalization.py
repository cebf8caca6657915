"""BatchNormalization over axis 1. Inference uses the given statistics; training_mode=1 (opset 14+)
normalizes with the batch statistics and also returns the updated running mean and variance."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._norm import per_channel
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _normalize(x, scale, bias, mean, var, epsilon):
    rank = x.shape.rank
    # Parameters are [C] (spatial=1), or [C, D1, ...] with spatial=0 (opsets 6-7) broadcasting as is.
    scale, bias, mean, var = (tf.cast(per_channel(p, rank) if p.shape.rank == 1 else p, x.dtype)
                              for p in (scale, bias, mean, var))
    return (x - mean) * (scale * tf.math.rsqrt(var + tf.cast(epsilon, x.dtype))) + bias


@tf_op("BatchNormalization", since=6)
def batch_normalization_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias, mean, var = node.inputs[:5]
    if len([o for o in node.output_names if o]) > 1 or node.attr("is_test", 1) == 0:
        raise OpTranslationError(f"{node.describe()}: training outputs (mean/var/saved statistics) of "
                                 "BatchNormalization before opset 14 are not supported")
    return [_normalize(x, scale, bias, mean, var, node.attr("epsilon", 1e-5))]


@tf_op("BatchNormalization", since=14)
def batch_normalization_14(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias, mean, var = node.inputs[:5]
    epsilon = node.attr("epsilon", 1e-5)
    if not node.attr("training_mode", 0):
        return [_normalize(x, scale, bias, mean, var, epsilon)]
    axes = [0] + list(range(2, x.shape.rank))
    batch_mean, batch_var = tf.nn.moments(x, axes=axes)          # population variance, like onnx
    momentum = tf.cast(node.attr("momentum", 0.9), x.dtype)
    running_mean = tf.cast(mean, x.dtype) * momentum + batch_mean * (1 - momentum)
    running_var = tf.cast(var, x.dtype) * momentum + batch_var * (1 - momentum)
    y = _normalize(x, scale, bias, batch_mean, batch_var, epsilon)
    return [y, tf.cast(running_mean, mean.dtype), tf.cast(running_var, var.dtype)]
