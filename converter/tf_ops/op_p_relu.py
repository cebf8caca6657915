"""PRelu: x for x >= 0, slope * x otherwise. Since 7 the slope broadcasts to x (numpy-style,
unidirectional); before 7 a 1-D slope holds one value per channel (axis 1, as Caffe2/PyTorch
exports meant it). Versions 9 and 16 only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("PRelu", since=1)
def p_relu_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, slope = node.inputs[0], node.inputs[1]
    if slope.shape.rank == 1 and x.shape.rank is not None and x.shape.rank > 2:
        slope = tf.reshape(slope, [-1] + [1] * (x.shape.rank - 2))       # per channel, broadcast over H, W...
    return [_prelu(x, slope)]


@tf_op("PRelu", since=7)
def p_relu_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_prelu(node.inputs[0], node.inputs[1])]


def _prelu(x, slope):
    return tf.where(x < 0, tf.cast(slope, x.dtype) * x, x)
