"""Per-axis sampling for Resize: source coordinates, tap indices and weights, following onnx's reference
(onnx/reference/ops/op_resize.py) exactly. Resize is separable, so one axis is resampled at a time with a
gather of `taps` neighbours per output position and a weighted sum; nearest is a single gather.

Sizes are Python numbers when static, scalar tensors otherwise; all coordinate math is float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf

from converter.errors import OpTranslationError

F64 = tf.float64


@dataclass(frozen=True)
class AxisPlan:
    axis: int
    in_size: object          # int or scalar int64 tensor
    out_size: object         # int or scalar int64 tensor
    scale: object            # float or scalar float64 tensor
    roi: tuple | None        # (start, end) for tf_crop_and_resize


@dataclass(frozen=True)
class Sampling:
    mode: str                       # nearest / linear / cubic
    coordinate_mode: str
    nearest_mode: str = "round_prefer_floor"
    cubic_a: float = -0.75
    exclude_outside: bool = False
    antialias: bool = False
    extrapolation_value: float = 0.0


def source_coordinates(plan: AxisPlan, coordinate_mode: str):
    """x_ori for every output index, plus a mask of extrapolated positions (tf_crop_and_resize only)."""
    y = tf.range(tf.cast(plan.out_size, tf.int64), dtype=tf.int64)
    y = tf.cast(y, F64)
    in_size = tf.cast(plan.in_size, F64)
    scale = tf.cast(plan.scale, F64)
    out_float = scale * in_size                 # the reference uses scale * input size, not the int size
    ones_like_y = tf.ones_like(y)
    if coordinate_mode == "align_corners":
        return tf.where(tf.equal(out_float, 1.0), 0.0 * ones_like_y, y * (in_size - 1) / (out_float - 1)), None
    if coordinate_mode == "asymmetric":
        return y / scale, None
    if coordinate_mode == "pytorch_half_pixel":
        return tf.where(tf.equal(out_float, 1.0), -0.5 * ones_like_y, (y + 0.5) / scale - 0.5), None
    if coordinate_mode == "half_pixel":
        return (y + 0.5) / scale - 0.5, None
    if coordinate_mode == "tf_half_pixel_for_nn":      # Resize-11 only
        return (y + 0.5) / scale, None
    if coordinate_mode == "half_pixel_symmetric":
        adjustment = tf.cast(plan.out_size, F64) / out_float
        offset = in_size / 2 * (1 - adjustment)
        return offset + (y + 0.5) / scale - 0.5, None
    if coordinate_mode == "tf_crop_and_resize":
        start, end = (tf.cast(v, F64) for v in plan.roi)
        x = tf.where(tf.equal(out_float, 1.0), (end - start) * (in_size - 1) / 2 * ones_like_y,
                     y * (end - start) * (in_size - 1) / (out_float - 1))
        x = x + start * (in_size - 1)
        return x, (x < 0) | (x > in_size - 1)
    raise OpTranslationError(f"coordinate_transformation_mode {coordinate_mode!r} is not supported")


def tap_count(sampling: Sampling, plan: AxisPlan) -> int:
    """Window width. Antialias widens it by 1/scale; when the scale is only known at run time, a window
    covering the whole input is used (weights beyond the kernel support are exactly zero)."""
    if sampling.mode == "nearest":
        return 2
    if not sampling.antialias:
        return 2 if sampling.mode == "linear" else 4
    support = 1 if sampling.mode == "linear" else 2
    static_scale = tf.get_static_value(tf.convert_to_tensor(plan.scale))
    if static_scale is not None:
        return -2 * math.floor(-support / min(float(static_scale), 1.0))
    if not isinstance(plan.in_size, int):
        raise OpTranslationError("antialias Resize needs static scales or a static input size")
    return 2 * support * plan.in_size + 2


def tap_indices(x, taps: int):
    """[out, taps] neighbour indices (may lie outside the input), chosen as the reference's edge-padded
    nearest-window search does, and the fractional ratio in (0, 1] it weights them with."""
    floor_x = tf.floor(x)
    ratio = tf.where(tf.equal(x, floor_x), tf.ones_like(x), x - floor_x)
    pad = math.ceil(taps / 2)
    x_padded = x + pad
    p = tf.floor(x_padded)
    frac = x_padded - p
    if taps % 2 == 0:
        ones = tf.ones_like(x)
        offset = tf.where(tf.equal(frac, 0.0), -(taps // 2) * ones, (-(taps // 2) + 1) * ones)
    else:
        base = -((taps - 1) // 2)
        offset = tf.where(frac <= 0.5, base * tf.ones_like(x), (base + 1) * tf.ones_like(x))
    start = tf.cast(p + offset, tf.int64) - pad
    return start[:, None] + tf.range(taps, dtype=tf.int64)[None, :], ratio


def tap_weights(sampling: Sampling, ratio, scale, taps: int):
    """[out, taps] float64 weights for the interpolating modes."""
    r = ratio[:, None]
    if sampling.antialias:
        s = tf.minimum(tf.cast(scale, F64), 1.0)
        first = 1 - taps // 2            # the reference's i_start = floor(-support / s) + 1
        offsets = tf.cast(tf.range(first, first + taps), F64)[None, :]
        args = (offsets - r) * s
        if sampling.mode == "linear":
            kernel = tf.clip_by_value(1 - tf.abs(args), 0, 1)
        else:
            kernel = _cubic_kernel(args, sampling.cubic_a)
        return kernel / tf.reduce_sum(kernel, axis=1, keepdims=True)
    if sampling.mode == "linear":
        return tf.concat([1 - r, r], axis=1)
    a = sampling.cubic_a
    return tf.concat([_cubic_kernel(r + 1, a), _cubic_kernel(r, a), _cubic_kernel(1 - r, a), _cubic_kernel(2 - r, a)],
                     axis=1)


def _cubic_kernel(x, a: float):
    x = tf.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return tf.where(x <= 1, near, tf.where(x < 2, far, tf.zeros_like(x)))


def nearest_choice(ratio, nearest_mode: str):
    """True where the second of the two window taps is taken (the reference's _nearest_coeffs)."""
    integer = tf.equal(ratio, 1.0)
    if nearest_mode == "round_prefer_floor":
        upper = ratio > 0.5
    elif nearest_mode == "round_prefer_ceil":
        upper = ratio >= 0.5
    elif nearest_mode == "floor":
        upper = tf.zeros_like(ratio, tf.bool)
    elif nearest_mode == "ceil":
        upper = tf.ones_like(ratio, tf.bool)
    else:
        raise OpTranslationError(f"nearest_mode {nearest_mode!r} is not supported")
    return integer | upper
