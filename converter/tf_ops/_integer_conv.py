"""The convolution inside ConvInteger and QLinearConv: ONNX NC[spatial] layout, zero points already
subtracted. TF has no CPU integer convolution, so it runs in float64, where the integer products and
sums are exact (below 2**53), with explicit padding, channels-last, one tf.nn.convolution per group."""
from __future__ import annotations

import tensorflow as tf

from converter.errors import OpTranslationError


def integer_conv(node, x, w):
    """x [N, C, *spatial], w [M, C / group, *kernel] (float64) -> [N, M, *out] float64."""
    spatial = x.shape.rank - 2
    kernel = node.attr("kernel_shape") or list(w.shape[2:])
    if any(k is None for k in kernel):
        raise OpTranslationError(f"{node.describe()}: the kernel shape must be static")
    strides = node.attr("strides") or [1] * spatial
    dilations = node.attr("dilations") or [1] * spatial
    group = node.attr("group", 1)
    x = _pad(node, tf.transpose(x, [0, *range(2, spatial + 2), 1]), kernel, strides, dilations)
    w = tf.transpose(w, [*range(2, spatial + 2), 1, 0])                 # [*kernel, C / group, M]
    outputs = [tf.nn.convolution(xg, wg, strides=strides, padding="VALID", dilations=dilations)
               for xg, wg in zip(tf.split(x, group, axis=-1), tf.split(w, group, axis=-1))]
    result = outputs[0] if group == 1 else tf.concat(outputs, axis=-1)
    return tf.transpose(result, [0, spatial + 1, *range(1, spatial + 1)])


def _pad(node, x, kernel, strides, dilations):
    """Explicit zero padding of channels-last x from `pads` or auto_pad SAME_UPPER / SAME_LOWER."""
    spatial = len(kernel)
    auto_pad = node.attr("auto_pad", "NOTSET")
    if auto_pad in ("NOTSET", "VALID"):
        pads = (node.attr("pads") if auto_pad == "NOTSET" else None) or [0] * (2 * spatial)
        begin, end = pads[:spatial], pads[spatial:]
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        size = tf.shape(x)[1:spatial + 1]
        begin, end = [], []
        for axis in range(spatial):
            out = -(-size[axis] // strides[axis])
            total = tf.maximum((out - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - size[axis], 0)
            small, large = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else large)
            end.append(large if auto_pad == "SAME_UPPER" else small)
    else:
        raise OpTranslationError(f"{node.describe()}: auto_pad={auto_pad!r} is not supported")
    paddings = [[0, 0]] + [[b, e] for b, e in zip(begin, end)] + [[0, 0]]
    return tf.pad(x, paddings)


def per_output_channel(param, rank: int):
    """A scalar or per-output-channel (1-D) parameter broadcast against [N, M, *spatial] or a weight
    [M, C, *kernel] of rank `rank`."""
    if param.shape.rank == 0 or param.shape.num_elements() == 1:
        return tf.reshape(param, [])
    return tf.reshape(param, [-1] + [1] * (rank - 1))
