"""Floor. Later versions (13) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Floor", since=6)
def floor_6(ctx, node):
    return [tf.math.floor(node.inputs[0])]
