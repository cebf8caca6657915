"""Size: number of elements as an int64 scalar."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Size", since=1)
def size_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.size(node.inputs[0], out_type=tf.int64)]
