"""CumSum along a (scalar, possibly run-time) axis input, with exclusive and reverse attributes.
Version 14 only adds types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("CumSum", since=11)
def cum_sum_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axis = tf.reshape(node.inputs[1], [])
    return [tf.math.cumsum(node.inputs[0], axis=axis, exclusive=bool(node.attr("exclusive", 0)),
                           reverse=bool(node.attr("reverse", 0)))]
