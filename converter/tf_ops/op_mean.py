"""Mean: variadic with numpy-style broadcasting since 8.
Before 8 the inputs had equal shapes, a special case. Version 13 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import variadic
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Mean", since=1)
def mean_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    tensors = [t for t in node.inputs if t is not None]
    total = variadic(tf.math.add, tensors)
    return [total / tf.constant(len(tensors), total.dtype)]
