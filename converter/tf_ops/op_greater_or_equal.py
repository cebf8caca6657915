"""GreaterOrEqual: broadcasting comparison. Later versions (16) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("GreaterOrEqual", since=12)
def greater_or_equal_12(ctx, node):
    return [tf.math.greater_equal(node.inputs[0], node.inputs[1])]
