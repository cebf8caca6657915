"""GlobalMaxPool: max over every spatial axis, kept as size-1 axes."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GlobalMaxPool", since=1)
def global_max_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.reduce_max(x, axis=list(range(2, x.shape.rank)), keepdims=True)]
