"""Tile: repeats is an input since opset 6."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

# TF has no Tile kernel for these; tiling moves bits only, so a same-width signed view is exact.
_SAME_WIDTH = {tf.uint16: tf.int16}


@tf_op("Tile", since=6)
def tile_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data, repeats = node.inputs[0], tf.cast(node.inputs[1], tf.int64)
    view = _SAME_WIDTH.get(data.dtype)
    if view is None:
        return [tf.tile(data, repeats)]
    return [tf.bitcast(tf.tile(tf.bitcast(data, view), repeats), data.dtype)]
