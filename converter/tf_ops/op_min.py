"""Min: variadic with numpy-style broadcasting since 8.
Before 8 the inputs had equal shapes, a special case. Versions 12 and 13 only add types."""
import tensorflow as tf

from converter.tf_ops._elementwise import variadic
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Min", since=1)
def min_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [variadic(tf.math.minimum, [t for t in node.inputs if t is not None])]
