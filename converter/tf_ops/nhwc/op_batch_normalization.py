"""converter.nhwc::BatchNormalization (inference form): per-channel affine on the last axis.

Right after a Conv2D (a BatchNorm FoldBatchNormIntoConvPass could not fold: a shared or computed weight), 4-D
float32 uses FusedBatchNormV3, which grappler's remapper fuses into that conv (unless it is grouped: the fused
CPU kernel has none, see converter/tf_ops/_conv.py). Anywhere else (DenseNet's BatchNorms after a Concat) a
multiply-add: oneDNN runs a lone FusedBatchNormV3 slower than Mul + Add (DenseNet-121, docs/performance.md)."""
import tensorflow as tf

from converter.tf_ops._conv import fuses_into_conv2d
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("BatchNormalization", since=1, domain=NHWC_DOMAIN)
def nhwc_batch_normalization_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias, mean, var = node.inputs[:5]
    epsilon = float(node.attr("epsilon", 1e-5))
    if x.shape.rank == 4 and x.dtype == tf.float32 and scale.dtype == tf.float32 and fuses_into_conv2d(x):
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, scale, bias, mean, var, epsilon=epsilon,
                                                   data_format="NHWC", is_training=False)
        return [y]
    multiplier = scale * tf.math.rsqrt(var + tf.cast(epsilon, var.dtype))
    return [x * tf.cast(multiplier, x.dtype) + tf.cast(bias - mean * multiplier, x.dtype)]
