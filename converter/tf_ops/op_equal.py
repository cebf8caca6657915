"""Equal: broadcasting comparison; strings too (since 19). Later versions (11, 13, 19) only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Equal", since=7)
def equal_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.math.equal(node.inputs[0], node.inputs[1])]
