"""Tile: repeats is an input since opset 6."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Tile", since=6)
def tile_6(ctx, node):
    return [tf.tile(node.inputs[0], tf.cast(node.inputs[1], tf.int64))]
