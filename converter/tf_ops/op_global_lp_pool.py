"""GlobalLpPool: (sum |x|^p over every spatial axis)^(1/p), kept as size-1 axes."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GlobalLpPool", since=1)
def global_lp_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    p = float(node.attr("p", 2))
    sums = tf.reduce_sum(tf.abs(x) ** p, axis=list(range(2, x.shape.rank)), keepdims=True)
    return [tf.sqrt(sums) if p == 2 else sums ** (1.0 / p)]
