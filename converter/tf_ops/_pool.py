"""Channels-last pooling kernels shared by the ONNX pool handlers and their converter.nhwc forms.

Fast path: TF's own pooling when its SAME/VALID padding is exactly ONNX's. Otherwise the input is
padded explicitly (-inf for max, 0 for average/Lp) and pooled VALID; average pooling divides by an
explicitly pooled mask, so count_include_pad=0 and ceil_mode give exactly PyTorch's numbers. Dilated
windows are a max/sum over one strided slice per kernel tap (TF pools cannot stride and dilate at once).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._spatial import (Window, output_sizes, pad_channels_last, pad_positive,
                                       padded_spatial_sizes, static_spatial, tf_padding_name, window_offsets,
                                       window_slices)


def _dilated(window: Window) -> bool:
    return any(d != 1 for d in window.dilations)


def _require_explicit(window: Window, what: str) -> None:
    if window.tf_same:
        raise OpTranslationError(f"{what} with dilations and SAME padding needs static spatial sizes")


def max_pool_channels_last(x, window: Window):
    if not _dilated(window):
        padding = tf_padding_name(window, static_spatial(x))
        if padding is None and _explicit_2d(window):
            # TF's 2-D MaxPool takes explicit pads (ignored like -inf): 1.2-1.6x faster than tf.pad + VALID
            padding = [[0, 0]] + [[b, e + c] for b, e, c in zip(window.pads_begin, window.pads_end,
                                                                 window.ceil_extra)] + [[0, 0]]
        elif padding is None:
            x, padding = pad_channels_last(x, window, -np.inf), "VALID"
        return tf.nn.max_pool(x, window.kernel, window.strides, padding)
    _require_explicit(window, "MaxPool")
    padded = pad_channels_last(x, window, -np.inf)
    slices = window_slices(padded, window, output_sizes(padded_spatial_sizes(padded), window))
    return tf.reduce_max(tf.stack(slices, axis=-1), axis=-1)


def _explicit_2d(window: Window) -> bool:
    """TF's explicit pool padding: 2-D only, each pad non-negative and smaller than the kernel."""
    ends = [e + c for e, c in zip(window.pads_end, window.ceil_extra)]
    return window.rank == 2 and all(0 <= p < k for p, k in zip(list(window.pads_begin) + ends, window.kernel * 2))


def window_sum(padded, window: Window):
    """Sum over each VALID window of an already padded channels-last tensor."""
    if not _dilated(window):
        volume = float(np.prod(window.kernel))
        return tf.nn.avg_pool(padded, window.kernel, window.strides, "VALID") * tf.cast(volume, padded.dtype)
    return tf.add_n(window_slices(padded, window, output_sizes(padded_spatial_sizes(padded), window)))


def average_pool_channels_last(x, window: Window, count_include_pad: bool):
    spatial = static_spatial(x)
    if not _dilated(window):
        # TF's SAME average leaves padding out of the count: exactly count_include_pad=0.
        padding = tf_padding_name(window, spatial, tf_same_allowed=not count_include_pad)
        if padding is not None:
            return tf.nn.avg_pool(x, window.kernel, window.strides, padding)
        if count_include_pad and not any(window.ceil_extra):
            return tf.nn.avg_pool(pad_channels_last(x, window, 0), window.kernel, window.strides, "VALID")
    _require_explicit(window, "AveragePool")
    sums = window_sum(pad_channels_last(x, window, 0), window)
    return sums / window_sum(_count_mask(x, window, count_include_pad), window)


def _count_mask(x, window: Window, count_include_pad: bool):
    """1 where a position counts toward the average divisor: input, plus declared pads when
    count_include_pad; the ceil_mode extension never counts (PyTorch and onnxruntime agree)."""
    spatial = static_spatial(x)
    if all(s is not None for s in spatial):
        ones = tf.ones([1, *spatial, 1], x.dtype)
    else:
        ones = tf.ones(tf.concat([[1], tf.shape(x)[1:-1], [1]], 0), x.dtype)
    declared = [[0, 0]] + [[b, e] for b, e in zip(window.pads_begin, window.pads_end)] + [[0, 0]]
    mask = pad_positive(ones, declared, 1.0 if count_include_pad else 0.0)
    if any(window.ceil_extra):
        mask = pad_positive(mask, [[0, 0]] + [[0, c] for c in window.ceil_extra] + [[0, 0]], 0.0)
    return mask


def lp_pool_channels_last(x, window: Window, p: float):
    if window.tf_same:
        raise OpTranslationError("LpPool with SAME padding needs static spatial sizes")
    magnitude = pad_channels_last(tf.abs(x), window, 0)
    sums = window_sum(magnitude ** p if p != 1 else magnitude, window)
    return tf.sqrt(sums) if p == 2 else sums ** (1.0 / p)


def max_pool_with_indices(x, window: Window, storage_order: int):
    """MaxPool values and ONNX indices (flat positions in the NCHW input; column-major per image
    plane when storage_order=1). Ties resolve to the first position in row-major order, as ONNX does."""
    _require_explicit(window, "MaxPool with Indices")
    padded = pad_channels_last(x, window, -np.inf)
    outs = output_sizes(padded_spatial_sizes(padded), window)
    stacked = tf.stack(window_slices(padded, window, outs), axis=-1)          # [N, *out, C, K]
    values = tf.reduce_max(stacked, axis=-1)
    taps = tf.constant(np.array(window_offsets(window), np.int64))           # [K, rank]
    tap = tf.gather(taps, tf.argmax(stacked, axis=-1))                        # [N, *out, C, rank]
    in_sizes = [tf.cast(s, tf.int64) for s in padded_spatial_sizes(x)]
    coords = []
    for axis in range(window.rank):
        shape = [1] * (window.rank + 2)
        shape[axis + 1] = -1
        position = tf.reshape(tf.range(tf.cast(outs[axis], tf.int64), dtype=tf.int64), shape)
        coords.append(position * window.strides[axis] + tap[..., axis] * window.dilations[axis]
                      - window.pads_begin[axis])
    flat = _flat_spatial_index(coords, in_sizes, storage_order)
    x_shape = tf.shape(x, out_type=tf.int64)
    batch = tf.reshape(tf.range(x_shape[0]), [-1] + [1] * (window.rank + 1))
    channel = tf.reshape(tf.range(x_shape[-1]), [1] * (window.rank + 1) + [-1])
    plane = tf.reduce_prod(tf.stack(in_sizes))
    return values, (batch * x_shape[-1] + channel) * plane + flat


def _flat_spatial_index(coords, sizes, storage_order: int):
    if storage_order == 1:      # column-major: the first spatial axis varies fastest
        coords, sizes = coords[::-1], sizes[::-1]
    flat = coords[0]
    for coordinate, size in zip(coords[1:], sizes[1:]):
        flat = flat * size + coordinate
    return flat
