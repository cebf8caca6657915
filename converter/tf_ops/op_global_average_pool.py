"""GlobalAveragePool: mean over every spatial axis, kept as size-1 axes (no layout change needed)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GlobalAveragePool", since=1)
def global_average_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.reduce_mean(x, axis=list(range(2, x.shape.rank)), keepdims=True)]
