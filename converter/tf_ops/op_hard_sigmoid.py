"""HardSigmoid: max(0, min(1, alpha * x + beta)). Version 22 only adds types."""
import numpy as np
import tensorflow as tf

from converter.tf_ops._elementwise import hard_sigmoid_one_sixth, scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HardSigmoid", since=6)
def hard_sigmoid_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    alpha, beta = node.attr("alpha", 0.2), node.attr("beta", 0.5)
    if np.float32(alpha) == np.float32(1 / 6) and beta == 0.5:     # PyTorch's hardsigmoid (MobileNetV3's SE)
        return [hard_sigmoid_one_sixth(x)]
    linear = scalar_like(alpha, x) * x + scalar_like(beta, x)
    return [tf.clip_by_value(linear, scalar_like(0, x), scalar_like(1, x))]
