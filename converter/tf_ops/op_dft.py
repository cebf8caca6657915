"""DFT: discrete Fourier transform along one signal axis of a [..., 1 | 2] real/complex tensor.

Opset 17 takes `axis` as an attribute (default 1), opset 20 as input 2 (default -2). `dft_length`
(input 1) pads or truncates the signal; `onesided` keeps the n // 2 + 1 non-redundant bins (forward)
or reads them (inverse, a real output [..., 1]); `inverse` applies the normalised inverse."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._fourier import fit_length, from_complex, to_complex
from converter.tf_ops._util import static_ints
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_moveaxis = tf.experimental.numpy.moveaxis


@tf_op("DFT", since=17)
def dft_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_dft(node, node.attr("axis", 1))]


@tf_op("DFT", since=20)
def dft_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    axis = static_ints(node, 2)
    if node.input(2) is None or axis is not None:
        return [_dft(node, -2 if axis is None else axis[0])]
    # an axis known only at run time: one branch per possible signal axis
    rank = node.inputs[0].shape.rank
    index = tf.math.floormod(tf.reshape(tf.cast(node.inputs[2], tf.int32), []), rank)
    return [tf.switch_case(index, [lambda a=a: _dft(node, a) for a in range(rank - 1)],
                           default=lambda: _dft(node, rank - 2))]


def _dft(node, axis: int):
    x = node.inputs[0]
    rank = x.shape.rank
    axis = axis % rank
    if axis == rank - 1:
        raise OpTranslationError(f"{node.describe()}: axis {axis} is the real/imaginary axis, not a signal axis")
    inverse, onesided = bool(node.attr("inverse", 0)), bool(node.attr("onesided", 0))
    signal = _moveaxis(to_complex(x), axis, -1)
    length = _dft_length(node, x, axis, inverse and onesided)
    if inverse and onesided:
        real = tf.signal.irfft(fit_length(signal, length // 2 + 1), fft_length=tf.reshape(length, [1]))
        return tf.cast(_moveaxis(real, -1, axis)[..., tf.newaxis], x.dtype)
    signal = fit_length(signal, length)
    result = tf.signal.ifft(signal) if inverse else tf.signal.fft(signal)
    if onesided:
        result = result[..., :length // 2 + 1]
    return from_complex(_moveaxis(result, -1, axis), x.dtype)


def _dft_length(node, x, axis: int, inverse_onesided: bool):
    given = static_ints(node, 1)
    if node.input(1) is not None and given is None:      # known at run time only
        return tf.reshape(tf.cast(node.inputs[1], tf.int32), [])
    if given is not None:
        return given[0]
    size = x.shape[axis]
    if size is None:
        raise OpTranslationError(f"{node.describe()}: the signal axis {axis} needs a static size")
    return 2 * (size - 1) if inverse_onesided else size
