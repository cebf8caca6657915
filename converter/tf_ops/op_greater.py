"""Greater: broadcasting comparison. Later versions (9, 13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Greater", since=7)
def greater_7(ctx, node):
    return [tf.math.greater(node.inputs[0], node.inputs[1])]
