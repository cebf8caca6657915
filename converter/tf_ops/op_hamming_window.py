"""HammingWindow: alpha - (1 - alpha) cos(2 pi n / N) with alpha = 25/46 (as the ONNX reference)."""
import tensorflow as tf

from converter.tf_ops._window import window
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_ALPHA = 25.0 / 46.0


@tf_op("HammingWindow", since=17)
def hamming_window_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return window(node, lambda phase: _ALPHA - (1.0 - _ALPHA) * tf.cos(phase))
