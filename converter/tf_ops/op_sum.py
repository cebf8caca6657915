"""Sum: variadic with numpy-style broadcasting since 8 (before, equal shapes: a subset; tf.add_n
would need equal shapes). Version 13 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import variadic
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Sum", since=1)
def sum_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [variadic(tf.math.add, [t for t in node.inputs if t is not None])]
