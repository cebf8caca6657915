"""ConstantOfShape: a tensor of the given (possibly run-time) shape filled with `value` (a
one-element tensor; float32 0 by default). Later versions only add types."""
import numpy as np
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ConstantOfShape", since=9)
def constant_of_shape_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    value = node.attr("value")
    fill = np.zeros((), np.float32) if value is None else np.asarray(value).reshape(())
    shape = tf.cast(node.inputs[0], tf.int64)
    return [tf.fill(shape, tf.constant(fill))]
