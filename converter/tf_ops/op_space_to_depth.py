"""SpaceToDepth (NCHW): DCR order (the only one before opset 28), CRD since 28."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, stack_dims
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SpaceToDepth", since=1)
def space_to_depth_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    block = node.attr("blocksize")
    n, c, h, w = dims(data)
    split = tf.reshape(data, stack_dims([n, c, h // block, block, w // block, block]))
    perm = [0, 1, 3, 5, 2, 4] if node.attr("mode", "DCR") == "CRD" else [0, 3, 5, 1, 2, 4]
    return [tf.reshape(tf.transpose(split, perm), stack_dims([n, c * block * block, h // block, w // block]))]
