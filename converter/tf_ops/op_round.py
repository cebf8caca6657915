"""Round: halves to even, as TF's Round does. Later versions (22) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Round", since=11)
def round_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.round(node.inputs[0])]
