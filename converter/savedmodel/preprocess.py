"""The in-graph image pipeline of the `predict_image_bytes` signature: encoded JPEG/PNG/BMP/GIF bytes of any
size -> decoded -> resized -> center-cropped -> scaled and normalised, matching torchvision (PIL backend).

How it matches torchvision / PIL (measured in tests/savedmodel/test_preprocess.py, docs/image-inputs.md):
- decode: tf.io.decode_image(channels=3, expand_animations=False): grayscale is replicated to RGB, alpha
  dropped (as PIL's convert("RGB")), an animated GIF gives its first frame; JPEG with decode_jpeg's
  INTEGER_ACCURATE IDCT and fancy upsampling, bit-exact with PIL.
- resize: PIL's own resampling, reimplemented with gathers: two separable passes (horizontal, then
  vertical) with a uint8 result after each, the triangle / cubic (a=-0.5) filter stretched by the
  downscale factor (antialiasing), coefficients computed in float64 and rounded to 22-bit fixed point,
  accumulated in int32 and rounded as PIL does. tf.image.resize(antialias=True) has the same kernels but
  computes in float32 in one pass: 1-2 levels of 255 off on up to 20% of the pixels (docs/image-inputs.md).
  nearest uses PIL's source index, a float64 running sum of in / out starting at half a step, gathered.
- shorter-side resize: the long side is floor(S * long / short), torchvision's int() of the ratio.
- center crop: offset round((size - crop) / 2) with round-half-to-even (Python's round, tf.round);
  zero padding when the crop is larger than the image, as torchvision pads.
- scale then normalise in float32: x * num / den, then (x - mean) / std.
"""
from __future__ import annotations

import tensorflow as tf

from converter.client_options import ImagePreprocess

_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")      # JPEG, PNG, GIF, BMP


def _check_format(data: tf.Tensor) -> tf.Operation:
    """InvalidArgument (TF Serving: INVALID_ARGUMENT) naming the formats, before the decoder sees the bytes."""
    known = tf.reduce_any(tf.stack([tf.strings.substr(data, 0, len(magic)) == magic for magic in _SIGNATURES]))
    message = ("predict_image_bytes: an image is not JPEG, PNG, GIF or BMP; send the encoded file bytes "
               "(REST: {\"b64\": ...}); its first bytes:")
    return tf.debugging.Assert(known, [message, tf.strings.substr(data, 0, 8)], name="check_image_format")


def decode_image(data: tf.Tensor) -> tf.Tensor:
    """One encoded image -> uint8 [H, W, 3]. Bad bytes raise InvalidArgument (TF Serving: INVALID_ARGUMENT).
    JPEG goes through decode_jpeg with the accurate integer IDCT, which is what PIL's libjpeg uses
    (decode_image's default IDCT differs from PIL by up to 5 levels on most pixels)."""
    with tf.control_dependencies([_check_format(data)]):
        data = tf.identity(data)
    image = tf.cond(tf.io.is_jpeg(data),
                    lambda: tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"),
                    lambda: tf.io.decode_image(data, channels=3, expand_animations=False, dtype=tf.uint8))
    image.set_shape([None, None, 3])
    return image


def resized_size(height: tf.Tensor, width: tf.Tensor, resize: tuple[int, ...]) -> tuple[tf.Tensor, tf.Tensor]:
    """torchvision's output size: (H, W) as given, or the shorter side to S, the longer floor(S * long / short)."""
    if len(resize) == 2:
        return tf.constant(resize[0]), tf.constant(resize[1])
    short_target = tf.constant(resize[0], tf.int64)
    h, w = tf.cast(height, tf.int64), tf.cast(width, tf.int64)
    portrait = w <= h            # torchvision: short, long = (w, h) if w <= h else (h, w)
    long_side = tf.where(portrait, h, w)
    short_side = tf.where(portrait, w, h)
    new_long = (short_target * long_side) // short_side
    new_h = tf.where(portrait, new_long, short_target)
    new_w = tf.where(portrait, short_target, new_long)
    return tf.cast(new_h, tf.int32), tf.cast(new_w, tf.int32)


def _nearest_indices(in_size: tf.Tensor, out_size: tf.Tensor) -> tf.Tensor:
    """PIL's ImagingScaleAffine: the source position starts at scale / 2 and grows by `scale` per output
    pixel, accumulated in float64 (a running sum, not (x + 0.5) * scale: the rounding differs)."""
    scale = tf.cast(in_size, tf.float64) / tf.cast(out_size, tf.float64)
    steps = tf.concat([[scale * 0.5], tf.fill([out_size - 1], scale)], axis=0)
    positions = tf.math.cumsum(steps)
    return tf.minimum(tf.cast(tf.floor(positions), tf.int32), in_size - 1)


def _filter(name: str, x: tf.Tensor) -> tf.Tensor:
    """PIL's bilinear_filter / bicubic_filter (a = -0.5), float64."""
    x = tf.abs(x)
    if name == "bilinear":
        return tf.where(x < 1.0, 1.0 - x, tf.zeros_like(x))
    a = -0.5
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return tf.where(x < 1.0, near, tf.where(x < 2.0, far, tf.zeros_like(x)))


_SUPPORT = {"bilinear": 1.0, "bicubic": 2.0}
_PRECISION_BITS = 22          # PIL: 32 - 8 - 2


def _coefficients(in_size: tf.Tensor, out_size: tf.Tensor, mode: str) -> tuple[tf.Tensor, tf.Tensor]:
    """PIL's precompute_coeffs + normalize_coeffs_8bpc: per output index, source indices [out, K] and
    fixed-point weights [out, K] (int32, 22 fractional bits), in float64 as PIL computes them."""
    in_f = tf.cast(in_size, tf.float64)
    scale = in_f / tf.cast(out_size, tf.float64)
    filterscale = tf.maximum(scale, 1.0)
    support = _SUPPORT[mode] * filterscale
    # K covers the widest span: ceil(support) * 2 + 1 (dynamic: the downscale factor is known at run time)
    ksize = tf.cast(tf.math.ceil(support), tf.int32) * 2 + 1
    center = (tf.cast(tf.range(out_size), tf.float64) + 0.5) * scale
    xmin = tf.maximum(tf.floor(center - support + 0.5), 0.0)
    xmax = tf.minimum(tf.floor(center + support + 0.5), in_f) - xmin
    offsets = tf.cast(tf.range(ksize), tf.float64)[tf.newaxis, :]
    weights = _filter(mode, (offsets + xmin[:, tf.newaxis] - center[:, tf.newaxis] + 0.5) / filterscale)
    weights = tf.where(offsets < xmax[:, tf.newaxis], weights, tf.zeros_like(weights))
    total = tf.reduce_sum(weights, axis=1, keepdims=True)
    weights = tf.math.divide_no_nan(weights, total)
    scaled = weights * float(1 << _PRECISION_BITS)
    fixed = tf.cast(tf.where(scaled < 0, scaled - 0.5, scaled + 0.5), tf.int32)    # C's (int) truncates
    indices = tf.minimum(tf.cast(offsets + xmin[:, tf.newaxis], tf.int32), in_size - 1)
    return indices, fixed


def _resample_axis(image: tf.Tensor, axis: int, out_size: tf.Tensor, mode: str) -> tf.Tensor:
    """One PIL pass along `axis` of an int32 [H, W, 3] image holding uint8 values; the result is uint8-valued."""
    indices, fixed = _coefficients(tf.shape(image)[axis], out_size, mode)
    gathered = tf.gather(image, indices, axis=axis)              # axis -> (out, K)
    if axis == 0:
        weighted = gathered * fixed[:, :, tf.newaxis, tf.newaxis]
    else:
        weighted = gathered * fixed[tf.newaxis, :, :, tf.newaxis]
    total = tf.reduce_sum(weighted, axis=axis + 1) + (1 << (_PRECISION_BITS - 1))
    return tf.clip_by_value(tf.bitwise.right_shift(total, _PRECISION_BITS), 0, 255)


def resize_image(image: tf.Tensor, new_h: tf.Tensor, new_w: tf.Tensor, mode: str) -> tf.Tensor:
    """uint8 [H, W, 3] -> int32 [new_h, new_w, 3] holding uint8 values, resampled as PIL does."""
    image = tf.cast(image, tf.int32)
    if mode == "nearest":
        shape = tf.shape(image)
        image = tf.gather(image, _nearest_indices(shape[0], new_h), axis=0)
        return tf.gather(image, _nearest_indices(shape[1], new_w), axis=1)
    # PIL: the horizontal pass first (uint8 result), then the vertical pass; a pass that keeps the size
    # is skipped (with these coefficients it would be the identity anyway)
    shape = tf.shape(image)
    image = tf.cond(tf.equal(shape[1], new_w), lambda: image, lambda: _resample_axis(image, 1, new_w, mode))
    return tf.cond(tf.equal(shape[0], new_h), lambda: image, lambda: _resample_axis(image, 0, new_h, mode))


def center_crop(image: tf.Tensor, crop_h: int, crop_w: int) -> tf.Tensor:
    """torchvision's F.center_crop: zero-pad when smaller, then offsets round((size - crop) / 2), half to even."""
    shape = tf.shape(image)
    height, width = shape[0], shape[1]
    pad_h, pad_w = tf.maximum(crop_h - height, 0), tf.maximum(crop_w - width, 0)
    image = tf.pad(image, [[pad_h // 2, (pad_h + 1) // 2], [pad_w // 2, (pad_w + 1) // 2], [0, 0]])
    height, width = height + pad_h, width + pad_w
    top = tf.cast(tf.round(tf.cast(height - crop_h, tf.float64) / 2.0), tf.int32)
    left = tf.cast(tf.round(tf.cast(width - crop_w, tf.float64) / 2.0), tf.int32)
    return image[top:top + crop_h, left:left + crop_w, :]


def preprocess_one(data: tf.Tensor, pre: ImagePreprocess) -> tf.Tensor:
    """One encoded image -> float32 [H, W, 3] before scaling (uint8 values)."""
    image = decode_image(data)
    if pre.resize:
        shape = tf.shape(image)
        new_h, new_w = resized_size(shape[0], shape[1], pre.resize)
        image = resize_image(image, new_h, new_w, pre.resize_mode)
    image = tf.cast(image, tf.float32)
    if pre.crop is not None:
        image = center_crop(image, *pre.crop)
    out_h, out_w = pre.output_size
    return tf.ensure_shape(image, [out_h, out_w, 3])


def normalize(batch: tf.Tensor, pre: ImagePreprocess) -> tf.Tensor:
    """uint8-valued float32 [N, H, W, 3] -> x * num / den, channel order, (x - mean) / std (float32)."""
    num, den = pre.scale
    if num != 1.0:
        batch = batch * num
    batch = batch / den
    if pre.channels == "bgr":
        batch = batch[..., ::-1]
    return (batch - tf.constant(pre.mean, tf.float32)) / tf.constant(pre.std, tf.float32)


def preprocess_images(encoded: tf.Tensor, pre: ImagePreprocess, channels_first: bool = True,
                      dtype: tf.DType = tf.float32) -> tf.Tensor:
    """A batch [-1] of encoded images -> [N, 3, H, W] (channels_first) or [N, H, W, 3] model input."""
    out_h, out_w = pre.output_size
    images = tf.map_fn(lambda data: preprocess_one(data, pre), encoded,
                       fn_output_signature=tf.TensorSpec([out_h, out_w, 3], tf.float32))
    batch = normalize(images, pre)
    if channels_first:
        batch = tf.transpose(batch, [0, 3, 1, 2])
    return tf.cast(batch, dtype)
