"""DeformConv (2-D): each kernel tap samples the input bilinearly (zeros outside) at its regular
position plus a learned offset, optionally scaled by a mask; the samples are then contracted with the
weights per group, as an im2col convolution. Offsets are laid out [N, offset_group, kH, kW, (h, w), oH, oW]
as in the ONNX reference."""
import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._spatial import kernel_from_attr_or_weight
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("DeformConv", since=19)
def deform_conv_19(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, weight, offset, bias, mask = (node.input(i) for i in range(5))
    if x.shape.rank != 4:
        raise OpTranslationError(f"{node.describe()}: only 2-D DeformConv is supported (input rank {x.shape.rank})")
    kh, kw = kernel_from_attr_or_weight(node, weight.shape[2:])
    strides, dilations = node.attr("strides") or [1, 1], node.attr("dilations") or [1, 1]
    pads = node.attr("pads") or [0, 0, 0, 0]
    group, offset_group = node.attr("group", 1), node.attr("offset_group", 1)
    n, c, ih, iw = tf.unstack(tf.shape(x))
    oh, ow = tf.shape(offset)[2], tf.shape(offset)[3]
    taps = kh * kw
    offset = tf.reshape(offset, [n, offset_group, taps, 2, oh, ow])
    rows = _positions(kh, kw, dilations[0], strides[0], pads[0], oh, along_rows=True, dtype=x.dtype)
    cols = _positions(kh, kw, dilations[1], strides[1], pads[1], ow, along_rows=False, dtype=x.dtype)
    samples = _bilinear(tf.reshape(x, [n, offset_group, c // offset_group, ih * iw]),
                        rows + offset[:, :, :, 0], cols + offset[:, :, :, 1], ih, iw)   # [n, og, c/og, K*oh*ow]
    samples = tf.reshape(samples, [n, offset_group, c // offset_group, taps, oh, ow])
    if mask is not None:
        samples *= tf.reshape(mask, [n, offset_group, 1, taps, oh, ow])
    columns = tf.reshape(samples, [n, group, (c // group) * taps, oh * ow])
    out_channels = tf.shape(weight)[0]
    kernel = tf.reshape(weight, [group, out_channels // group, (c // group) * taps])
    y = tf.reshape(tf.einsum("gok,ngkl->ngol", kernel, columns), [n, out_channels, oh, ow])
    return [y if bias is None else y + tf.reshape(bias, [1, -1, 1, 1])]


def _positions(kh, kw, dilation, stride, pad, out_size, along_rows, dtype):
    """Regular sampling coordinate of every (tap, output position) along one axis: [K, oH, 1] or [K, 1, oW]."""
    tap = (np.repeat(np.arange(kh), kw) if along_rows else np.tile(np.arange(kw), kh)) * dilation
    start = tf.range(out_size) * stride - pad
    grid = tf.constant(tap, tf.int32)[:, None] + start[None, :]
    grid = grid[:, :, None] if along_rows else grid[:, None, :]
    return tf.cast(grid, dtype)


def _bilinear(image, rows, cols, height, width):
    """Sample `image` [n, g, c, H*W] at fractional (rows, cols) [n, g, K, oh, ow]; zero outside."""
    n, g = tf.shape(rows)[0], tf.shape(rows)[1]
    r0, c0 = tf.floor(rows), tf.floor(cols)
    fr, fc = rows - r0, cols - c0
    total = 0.0
    for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                           (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        r, c = tf.cast(r0, tf.int32) + dr, tf.cast(c0, tf.int32) + dc
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        index = tf.clip_by_value(r, 0, height - 1) * width + tf.clip_by_value(c, 0, width - 1)
        picked = tf.gather(image, tf.reshape(index, [n, g, -1]), axis=3, batch_dims=2)
        weight = tf.where(inside, weight, tf.zeros_like(weight))
        total += picked * tf.reshape(weight, [n, g, 1, -1])
    return total
