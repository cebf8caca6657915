"""AffineGrid (opset 20): sampling grid theta @ [x, y, (z), 1] over normalized output coordinates in [-1, 1]
(pixel centres unless align_corners); last grid axis is ordered x, y (, z) as GridSample reads it."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _normalized_positions(count, align_corners: bool, dtype):
    count_f = tf.cast(count, dtype)
    steps = tf.cast(tf.range(count), dtype)
    if align_corners:
        return tf.where(count_f > 1, steps * 2 / tf.maximum(count_f - 1, 1) - 1, tf.zeros_like(steps) - 1)
    return (2 * steps + 1) / count_f - 1


@tf_op("AffineGrid", since=20)
def affine_grid_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    theta = node.inputs[0]
    size = tf.cast(tf.reshape(node.inputs[1], [-1]), tf.int64)
    spatial_rank = int(node.inputs[1].shape[0]) - 2
    align = bool(node.attr("align_corners", 0))
    axes = [_normalized_positions(size[2 + d], align, theta.dtype) for d in range(spatial_rank)]   # (z,) y, x
    mesh = tf.meshgrid(*axes, indexing="ij")
    coordinates = list(reversed(mesh)) + [tf.ones_like(mesh[0])]                                   # x, y, (z,) 1
    base = tf.stack(coordinates, axis=-1)
    letters = "dhw"[-spatial_rank:]
    return [tf.einsum(f"nij,{letters}j->n{letters}i", theta, base)]
