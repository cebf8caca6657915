"""Log. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Log", since=6)
def log_6(ctx, node):
    return [tf.math.log(node.inputs[0])]
