"""Window geometry shared by conv and pool handlers: resolve ONNX pads/auto_pad/ceil_mode to explicit
per-axis padding, decide when TF's own SAME/VALID padding is exactly equivalent, and move channels
between first (ONNX) and last (TF's CPU kernels) position.

TF only knows SAME and VALID; any other padding becomes a tf.pad followed by VALID.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError


@dataclass(frozen=True)
class Window:
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads_begin: tuple[int, ...] = ()
    pads_end: tuple[int, ...] = ()
    ceil_extra: tuple[int, ...] = ()     # padding beyond pads_end that ceil_mode adds; never counted
    tf_same: bool = False                 # dynamic spatial dims with SAME_UPPER: let TF pad ('SAME')

    @property
    def rank(self) -> int:
        return len(self.kernel)

    @property
    def span(self) -> tuple[int, ...]:
        """Extent of one dilated window along each axis."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.kernel, self.dilations))

    @property
    def has_padding(self) -> bool:
        return any(self.pads_begin) or any(self.pads_end) or any(self.ceil_extra)


def channels_last(x):
    rank = x.shape.rank
    return tf.transpose(x, [0, *range(2, rank), 1])


def channels_first(x):
    rank = x.shape.rank
    return tf.transpose(x, [0, rank - 1, *range(1, rank - 1)])


def static_spatial(x_nhwc) -> list[int | None]:
    """Spatial sizes of a channels-last tensor, None where unknown at graph-build time."""
    return list(x_nhwc.shape[1:-1])


def resolve_window(node, spatial: list[int | None], kernel: list[int], ceil_mode: bool = False,
                   pool_same_rule: bool = False) -> Window:
    """Explicit pads of a Conv or pool `node` for input spatial sizes `spatial` (None where unknown)."""
    rank = len(kernel)
    strides = tuple(node.attr("strides") or [1] * rank)
    dilations = tuple(node.attr("dilations") or [1] * rank)
    auto_pad = node.attr("auto_pad", "NOTSET")
    base = Window(tuple(kernel), strides, dilations)
    if auto_pad == "VALID":
        begin, end = (0,) * rank, (0,) * rank
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if any(s is None for s in spatial):
            if auto_pad == "SAME_UPPER" and not ceil_mode:
                return Window(base.kernel, strides, dilations, (0,) * rank, (0,) * rank, (0,) * rank, True)
            raise OpTranslationError(f"{node.describe()}: auto_pad={auto_pad} needs static spatial sizes, "
                                     f"got {spatial}; export with fixed image sizes or explicit pads")
        totals = [same_total_pad(n, s, (k if pool_same_rule else span))
                  for n, s, k, span in zip(spatial, strides, kernel, base.span)]
        small = tuple(t // 2 for t in totals)
        large = tuple(t - t // 2 for t in totals)
        begin, end = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
    elif auto_pad == "NOTSET":
        pads = list(node.attr("pads") or [0] * 2 * rank)
        begin, end = tuple(pads[:rank]), tuple(pads[rank:])
    else:
        raise OpTranslationError(f"{node.describe()}: unknown auto_pad {auto_pad!r}")
    extra = ceil_extension(node, spatial, base, begin, end) if ceil_mode else (0,) * rank
    return Window(base.kernel, strides, dilations, begin, end, extra)


def same_total_pad(size: int, stride: int, span: int) -> int:
    out = math.ceil(size / stride)
    return max(0, (out - 1) * stride + span - size)


def ceil_extension(node, spatial, window: Window, begin, end) -> tuple[int, ...]:
    """Padding ceil_mode adds at the end; a last window starting in the end padding is dropped (PyTorch)."""
    if any(s is None for s in spatial):
        raise OpTranslationError(f"{node.describe()}: ceil_mode=1 needs static spatial sizes, got {spatial}")
    extra = []
    for n, s, span, b, e in zip(spatial, window.strides, window.span, begin, end):
        out = math.ceil((n + b + e - span) / s) + 1
        if (out - 1) * s >= n + b:
            out -= 1
        extra.append(max(0, (out - 1) * s + span - (n + b + e)))
    return tuple(extra)


def tf_padding_name(window: Window, spatial: list[int | None], tf_same_allowed: bool = True) -> str | None:
    """'VALID' or 'SAME' when TF's own padding gives exactly `window`'s pads, else None."""
    if window.tf_same:
        return "SAME"
    if not window.has_padding:
        return "VALID"
    if not tf_same_allowed or any(window.ceil_extra) or any(s is None for s in spatial):
        return None
    totals = [same_total_pad(n, s, span) for n, s, span in zip(spatial, window.strides, window.span)]
    if window.pads_begin == tuple(t // 2 for t in totals) and window.pads_end == tuple(t - t // 2 for t in totals):
        return "SAME"
    return None


def pad_channels_last(x, window: Window, value=0):
    """Pad the spatial axes of a channels-last tensor by the window's pads (+ ceil extension)."""
    if not window.has_padding:
        return x
    spec = [[0, 0]] + [[b, e + c] for b, e, c in zip(window.pads_begin, window.pads_end, window.ceil_extra)] + [[0, 0]]
    if min(min(p) for p in spec) < 0:   # negative pads crop
        return _pad_with_crop(x, spec, value)
    return tf.pad(x, spec, constant_values=tf.cast(value, x.dtype) if not np.isinf(value) else _fill(x.dtype, value))


def _pad_with_crop(x, spec, value):
    begin = [max(0, -b) for b, _ in spec]
    size = [-1] * len(spec)
    x = tf.slice(x, begin, size)
    shape = tf.shape(x)
    end_crop = [max(0, -e) for _, e in spec]
    x = tf.slice(x, [0] * len(spec), shape - tf.constant(end_crop, shape.dtype))
    return pad_positive(x, [[max(0, b), max(0, e)] for b, e in spec], value)


def pad_positive(x, spec, value):
    return tf.pad(x, spec, constant_values=_fill(x.dtype, value))


def _fill(dtype: tf.DType, value):
    """`value` in `dtype`; +-inf becomes the dtype's extreme for integer types."""
    if np.isinf(value) and not dtype.is_floating:
        return tf.constant(dtype.min if value < 0 else dtype.max, dtype)
    return tf.constant(value, dtype)


def window_offsets(window: Window):
    """Every kernel position as a tuple of per-axis offsets, in row-major order (ONNX/PyTorch tie order)."""
    return list(np.ndindex(*window.kernel))


def window_slices(x_padded, window: Window, out_sizes):
    """For each kernel position, the strided slice of a padded channels-last tensor it sees."""
    slices = []
    for offset in window_offsets(window):
        begin = [0] + [o * d for o, d in zip(offset, window.dilations)] + [0]
        end = [0] + [b + (n - 1) * s + 1 for b, n, s in zip(begin[1:-1], out_sizes, window.strides)] + [0]
        slices.append(tf.strided_slice(x_padded, begin, end, [1, *window.strides, 1],
                                       begin_mask=1 | (1 << (window.rank + 1)),
                                       end_mask=1 | (1 << (window.rank + 1))))
    return slices


def output_sizes(padded_spatial, window: Window):
    """Output sizes of a VALID window over padded sizes (ints, or scalar tensors when dynamic)."""
    return [(n - span) // s + 1 for n, span, s in zip(padded_spatial, window.span, window.strides)]


def padded_spatial_sizes(x_padded) -> list:
    static = list(x_padded.shape[1:-1])
    if all(s is not None for s in static):
        return static
    dynamic = tf.shape(x_padded)
    return [s if s is not None else dynamic[i + 1] for i, s in enumerate(static)]


def kernel_from_attr_or_weight(node, weight_spatial_shape) -> list[int]:
    kernel = node.attr("kernel_shape")
    if kernel:
        return list(kernel)
    if any(k is None for k in weight_spatial_shape):
        raise OpTranslationError(f"{node.describe()}: kernel_shape is missing and the weight's shape is unknown")
    return list(weight_spatial_shape)
