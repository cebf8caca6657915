"""DepthToSpace (NCHW): DCR (default) or CRD channel order (opset 11), via reshape/transpose."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, stack_dims
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("DepthToSpace", since=1)
def depth_to_space_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    block = node.attr("blocksize")
    n, c, h, w = dims(data)
    depth = c // (block * block)
    if node.attr("mode", "DCR") == "CRD":
        split, perm = [n, depth, block, block, h, w], [0, 1, 4, 2, 5, 3]
    else:
        split, perm = [n, block, block, depth, h, w], [0, 3, 4, 1, 5, 2]
    moved = tf.transpose(tf.reshape(data, stack_dims(split)), perm)
    return [tf.reshape(moved, stack_dims([n, depth, h * block, w * block]))]
