"""HardSigmoid: max(0, min(1, alpha * x + beta)). Version 22 only adds types."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HardSigmoid", since=6)
def hard_sigmoid_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    linear = scalar_like(node.attr("alpha", 0.2), x) * x + scalar_like(node.attr("beta", 0.5), x)
    return [tf.clip_by_value(linear, scalar_like(0, x), scalar_like(1, x))]
