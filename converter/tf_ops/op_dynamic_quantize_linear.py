"""DynamicQuantizeLinear: uint8 quantization with scale and zero point computed from the data range
(which is widened to include 0): scale = (max - min) / 255, zero_point = saturate(round(-min / scale))."""
import tensorflow as tf

from converter.tf_ops._quantization import round_and_clip
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("DynamicQuantizeLinear", since=11)
def dynamic_quantize_linear_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = tf.cast(node.inputs[0], tf.float32)
    low = tf.minimum(tf.reduce_min(x), 0.0)
    high = tf.maximum(tf.reduce_max(x), 0.0)
    scale = (high - low) / 255.0
    zero_point = round_and_clip(-low / scale, None, tf.uint8)
    return [round_and_clip(x / scale, zero_point, tf.uint8), scale, zero_point]
