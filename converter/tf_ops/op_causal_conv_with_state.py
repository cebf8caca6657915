"""CausalConvWithState (opset 27): depthwise causal 1-D conv over [past_state, input] (zeros when no
state), optional SiLU, and the last k-1 steps as the new state."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._conv import conv_channels_last
from converter.tf_ops._spatial import Window
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("CausalConvWithState", since=27)
def causal_conv_with_state_27(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, weight, bias, past = (node.input(i) for i in range(4))
    activation = node.attr("activation", "none")
    if activation not in ("none", "silu", "swish"):
        raise OpTranslationError(f"{node.describe()}: activation {activation!r} is not one of none, silu, swish")
    k = weight.shape[2]
    if k is None:
        raise OpTranslationError(f"{node.describe()}: the kernel size (weight dim 2) must be known")
    if past is None:
        shape = tf.shape(x)
        past = tf.zeros(tf.stack([shape[0], shape[1], k - 1]), x.dtype)
    padded = tf.concat([past, x], axis=2)
    channels = x.shape[1] if x.shape[1] is not None else tf.shape(x)[1]
    window = Window((k,), (1,), (1,), (0,), (0,), (0,))
    kernel = tf.transpose(weight, [2, 1, 0])                                   # [k, 1, C]
    y = conv_channels_last(tf.transpose(padded, [0, 2, 1]), kernel, bias, window, channels)
    y = tf.transpose(y, [0, 2, 1])
    if activation != "none":
        wide = tf.cast(y, tf.float32)
        y = tf.cast(wide * tf.sigmoid(wide), x.dtype)
    present = padded[:, :, tf.shape(padded)[2] - (k - 1):]
    return [y, present]
