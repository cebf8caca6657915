"""Sin. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Sin", since=7)
def sin_7(ctx, node):
    return [tf.math.sin(node.inputs[0])]
