"""LeakyRelu: x for x >= 0, alpha * x otherwise (tf.nn.leaky_relu's max(x, alpha*x) is wrong for
alpha > 1). Version 16 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops._elementwise import scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LeakyRelu", since=6)
def leaky_relu_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [tf.where(x < 0, scalar_like(node.attr("alpha", 0.01), x) * x, x)]
