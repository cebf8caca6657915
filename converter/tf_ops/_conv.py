"""Channels-last convolution kernels shared by ONNX Conv/ConvTranspose and their converter.nhwc forms.

Weights arrive already in TF order: Conv `[*k, C_in/groups, C_out]` (HWIO), ConvTranspose
`[*k, C_out/groups, C_in]`. The plain ONNX handlers transpose them in the graph (TF folds the
transpose of a constant); the NHWC pass rewrites the initializers once instead.
"""
from __future__ import annotations

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._spatial import (Window, pad_channels_last, padded_spatial_sizes, static_spatial,
                                       tf_padding_name)


def oihw_to_hwio(weight):
    rank = weight.shape.rank
    return tf.transpose(weight, [*range(2, rank), 1, 0])


def conv_channels_last(x, kernel, bias, window: Window, groups: int):
    """ONNX Conv semantics on channels-last `x` with an HWIO `kernel`."""
    if x.dtype in (tf.float16, tf.bfloat16):   # accumulate in float32 (CPU kernels do not; onnxruntime does)
        wide = conv_channels_last(tf.cast(x, tf.float32), tf.cast(kernel, tf.float32),
                                  None if bias is None else tf.cast(bias, tf.float32), window, groups)
        return tf.cast(wide, x.dtype)
    if x.shape.rank is not None and x.shape[-1] is None and kernel.shape[-2] is not None:
        # ONNX Conv implies C_in = groups * (C_in / groups): tell TF (a channel shuffle's Reshape target is
        # computed at run time), so that its kernels and grappler know the conv's layout statically
        x.set_shape([*[None] * (x.shape.rank - 1), groups * kernel.shape[-2]])
    padding = tf_padding_name(window, static_spatial(x))
    if padding is None:
        x, padding = pad_channels_last(x, window, 0), "VALID"
    if window.rank == 1:   # TF has no fast 1-D kernel of its own: run it as a 2-D conv of height 1
        y = _conv_nd(tf.expand_dims(x, 1), tf.expand_dims(kernel, 0), (1, *window.strides),
                     (1, *window.dilations), padding, groups)
        y = tf.squeeze(y, 1)
    else:
        y = _conv_nd(x, kernel, window.strides, window.dilations, padding, groups)
    if bias is None:
        return y
    # Grappler's remapper fuses a Conv2D with the BiasAdd (or FusedBatchNorm) after it into _FusedConv2D,
    # whose CPU kernel has no grouped convolution: a grouped conv + BiasAdd fails when TF Serving runs it
    # ("Fused conv implementation does not support grouped convolutions"). An AddV2 is not fused.
    return tf.add(y, bias) if is_grouped_conv2d(y) else tf.nn.bias_add(y, bias)


def fuses_into_conv2d(tensor) -> bool:
    """Whether grappler can fold a BiasAdd or FusedBatchNorm applied to `tensor` into the conv producing it:
    the direct output of a dense (not grouped) Conv2D."""
    op = getattr(tensor, "op", None)      # eager tensors have no producer
    return op is not None and op.type == "Conv2D" and not is_grouped_conv2d(tensor)


def is_grouped_conv2d(tensor) -> bool:
    """Whether `tensor` comes out of a grouped (not depthwise) Conv2D, possibly through the Squeeze of a 1-D
    conv: a tensor grappler must not see a BiasAdd or FusedBatchNorm applied to (see conv_channels_last)."""
    op = getattr(tensor, "op", None)      # eager tensors have no producer
    if op is not None and op.type == "Squeeze":
        op = op.inputs[0].op
    if op is None or op.type != "Conv2D":
        return False
    filter_depth, channels = op.inputs[1].shape[-2], op.inputs[0].shape[-1]
    return filter_depth is None or channels is None or filter_depth != channels


def _conv_nd(x, kernel, strides, dilations, padding, groups):
    if len(strides) == 2:
        if groups > 1 and _is_depthwise(kernel, strides, dilations):
            depthwise = tf.reshape(kernel, [*kernel.shape[:2], groups, -1])   # groups == input channels
            return tf.nn.depthwise_conv2d(x, depthwise, [1, *strides, 1], padding, dilations=dilations)
        return tf.nn.conv2d(x, kernel, [1, *strides, 1], padding, dilations=[1, *dilations, 1])
    if len(strides) == 3:
        if any(d > 1 for d in dilations):   # TF's CPU Conv3D has no dilations: the kernel gets the zeros
            kernel, dilations = _dilate_kernel(kernel, dilations), (1, 1, 1)
        if groups == 1:
            return tf.nn.conv3d(x, kernel, [1, *strides, 1], padding, dilations=[1, *dilations, 1])
        # TF's Conv3D has no groups: run each group and join the channels.
        xs = tf.split(x, groups, axis=-1)
        ks = tf.split(kernel, groups, axis=-1)
        return tf.concat([tf.nn.conv3d(a, b, [1, *strides, 1], padding, dilations=[1, *dilations, 1])
                          for a, b in zip(xs, ks)], axis=-1)
    raise OpTranslationError(f"Conv over {len(strides)} spatial axes is not supported (1, 2 or 3 are)")


def _is_depthwise(kernel, strides, dilations) -> bool:
    """One input channel per group (so groups == input channels) read from the kernel: the input's channel
    count may be unknown to TF (after a channel shuffle whose Reshape target is computed at run time)."""
    return (kernel.shape[-2] == 1 and strides[0] == strides[1]
            and (all(s == 1 for s in strides) or all(d == 1 for d in dilations)))


def iohw_to_transpose_kernel(weight):
    """ONNX ConvTranspose weight [C_in, C_out/g, *k] -> [*k, C_out/g, C_in]."""
    rank = weight.shape.rank
    return tf.transpose(weight, [*range(2, rank), 1, 0])


def conv_transpose_channels_last(x, kernel, bias, window: Window, groups: int, extend_end, out_sizes):
    """ONNX ConvTranspose on channels-last `x`: the full transposed conv, grown by `extend_end` zero
    rows (output_padding), then cropped to `out_sizes` starting at `window.pads_begin`."""
    kernel = _dilate_kernel(kernel, window.dilations)
    span = kernel.shape[:-2]
    sizes = padded_spatial_sizes(x)
    full = [(n - 1) * s + k for n, s, k in zip(sizes, window.strides, span)]
    xs = tf.split(x, groups, axis=-1) if groups > 1 else [x]
    ks = tf.split(kernel, groups, axis=-1) if groups > 1 else [kernel]
    parts = [_conv_transpose_valid(a, b, full, window.strides) for a, b in zip(xs, ks)]
    y = tf.concat(parts, axis=-1) if groups > 1 else parts[0]
    if any(extend_end):
        y = tf.pad(y, [[0, 0]] + [[0, e] for e in extend_end] + [[0, 0]])
    begin = [0, *window.pads_begin, 0]
    ends = [b + n for b, n in zip(window.pads_begin, out_sizes)]
    mask = 1 | (1 << (window.rank + 1))
    y = tf.strided_slice(y, begin, [0, *ends, 0], begin_mask=mask, end_mask=mask)
    return y if bias is None else tf.nn.bias_add(y, bias)


def _conv_transpose_valid(x, kernel, full, strides):
    batch = tf.shape(x)[0]
    out_channels = kernel.shape[-2] if kernel.shape[-2] is not None else tf.shape(kernel)[-2]
    rank = len(strides)
    if rank == 1:
        shape = tf.stack([batch, 1, full[0], out_channels])
        y = tf.nn.conv2d_transpose(tf.expand_dims(x, 1), tf.expand_dims(kernel, 0), shape,
                                   [1, 1, strides[0], 1], "VALID")
        return tf.squeeze(y, 1)
    shape = tf.stack([batch, *full, out_channels])
    if rank == 2:
        return tf.nn.conv2d_transpose(x, kernel, shape, [1, *strides, 1], "VALID")
    if rank == 3:
        return tf.nn.conv3d_transpose(x, kernel, shape, [1, *strides, 1], "VALID")
    raise OpTranslationError(f"ConvTranspose over {rank} spatial axes is not supported (1, 2 or 3 are)")


def _dilate_kernel(kernel, dilations):
    """Insert d-1 zeros between kernel taps so a plain (transposed) conv applies the dilation."""
    for axis, d in enumerate(dilations):
        if d == 1:
            continue
        k = kernel.shape[axis]
        zeros = tf.zeros_like(kernel)
        stacked = tf.stack([kernel] + [zeros] * (d - 1), axis=axis + 1)
        shape = kernel.shape.as_list()
        shape[axis] = k * d
        if any(dim is None for dim in shape):
            raise OpTranslationError("a dilated ConvTranspose or 3-D Conv needs a weight of known shape")
        kernel = tf.reshape(stacked, shape)[tuple([slice(None)] * axis + [slice(0, (k - 1) * d + 1)])]
    return kernel
