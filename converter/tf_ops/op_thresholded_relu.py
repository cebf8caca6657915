"""ThresholdedRelu: x for x > alpha, 0 otherwise. Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ThresholdedRelu", since=10)
def thresholded_relu_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.where(x > scalar_like(node.attr("alpha", 1.0), x), x, tf.zeros_like(x))]
