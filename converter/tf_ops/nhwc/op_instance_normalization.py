"""converter.nhwc::InstanceNormalization: normalise each (image, channel) over the spatial axes."""
import tensorflow as tf

from converter.tf_ops._norm import stash_dtype, standardize
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("InstanceNormalization", since=1, domain=NHWC_DOMAIN)
def nhwc_instance_normalization_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, bias = node.inputs[:3]
    work = stash_dtype(x.dtype, 1)
    normalized, _, _ = standardize(tf.cast(x, work), list(range(1, x.shape.rank - 1)), node.attr("epsilon", 1e-5))
    return [tf.cast(normalized, x.dtype) * scale + bias]
