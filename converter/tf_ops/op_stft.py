"""STFT: short-time Fourier transform of signals [batch, length, 1 | 2] into
[batch, frames, bins, 2]: frames of `frame_length` every `frame_step` samples, multiplied by
`window` when given, transformed; onesided (default) keeps frame_length // 2 + 1 bins."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._fourier import from_complex, to_complex
from converter.tf_ops._util import static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("STFT", since=17)
def stft_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    signal = node.inputs[0]
    step = tf.reshape(tf.cast(node.inputs[1], tf.int32), [])
    window = node.input(2)
    if node.input(3) is not None:
        length = static_ints(node, 3)
        frame_length = length[0] if length is not None else tf.reshape(tf.cast(node.inputs[3], tf.int32), [])
    elif window is not None:
        frame_length = window.shape[0] if window.shape[0] is not None else tf.shape(window)[0]
    else:
        raise OpTranslationError(f"{node.describe()}: needs frame_length (input 3) or a window (input 2)")
    frames = tf.signal.frame(to_complex(signal), frame_length, step, axis=1)   # [batch, frames, frame_length]
    if window is not None:
        real_window = tf.cast(window, frames.dtype.real_dtype)
        frames = frames * tf.complex(real_window, tf.zeros_like(real_window))
    spectrum = tf.signal.fft(frames)
    if node.attr("onesided", 1):
        spectrum = spectrum[..., :frame_length // 2 + 1]
    return [from_complex(spectrum, signal.dtype)]
