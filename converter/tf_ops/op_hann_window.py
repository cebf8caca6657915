"""HannWindow: 0.5 - 0.5 cos(2 pi n / N)."""
import tensorflow as tf

from converter.tf_ops._window import window
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HannWindow", since=17)
def hann_window_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return window(node, lambda phase: 0.5 - 0.5 * tf.cos(phase))
