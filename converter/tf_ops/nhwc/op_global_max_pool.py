"""converter.nhwc::GlobalMaxPool: max over the spatial axes of an NHWC tensor -> [N, 1.., C]."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GlobalMaxPool", since=1, domain=NHWC_DOMAIN)
def nhwc_global_max_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.reduce_max(x, axis=list(range(1, x.shape.rank - 1)), keepdims=True)]
