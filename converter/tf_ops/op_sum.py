"""Sum: variadic with numpy-style broadcasting (since 8; tf.add_n would need equal shapes).
Version 13 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import variadic
from converter.tf_ops.registry import tf_op


@tf_op("Sum", since=8)
def sum_8(ctx, node):
    return [variadic(tf.math.add, [t for t in node.inputs if t is not None])]
