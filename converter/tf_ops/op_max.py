"""Max: variadic with numpy-style broadcasting (since 8). Versions 12 and 13 only add types."""
import tensorflow as tf

from converter.tf_ops._elementwise import variadic
from converter.tf_ops.registry import tf_op


@tf_op("Max", since=8)
def max_8(ctx, node):
    return [variadic(tf.math.maximum, [t for t in node.inputs if t is not None])]
