"""CumProd along a (scalar, possibly run-time) axis input, with exclusive and reverse attributes."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("CumProd", since=26)
def cum_prod_26(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axis = tf.reshape(node.inputs[1], [])
    return [tf.math.cumprod(node.inputs[0], axis=axis, exclusive=bool(node.attr("exclusive", 0)),
                            reverse=bool(node.attr("reverse", 0)))]
