"""ImageDecoder: encoded bytes (uint8 1-D) -> [H, W, 3] RGB/BGR or [H, W, 1] grayscale uint8.

Formats TF can decode: JPEG (decoded with the accurate integer IDCT, as Pillow, the ONNX reference,
does), PNG, BMP, GIF (first frame) and WebP. JPEG 2000, TIFF and PNM have no TF decoder: decoding
them fails at run time with TF's "unknown image format" error. Grayscale is computed from RGB with
Pillow's ITU-R 601-2 luma transform (L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16)."""
import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_BYTE_STRINGS = np.array([bytes([b]) for b in range(256)], dtype=object)


@tf_op("ImageDecoder", since=20)
def image_decoder_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    pixel_format = node.attr("pixel_format", "RGB")
    if pixel_format not in ("RGB", "BGR", "Grayscale"):
        raise OpTranslationError(f"{node.describe()}: pixel_format={pixel_format!r} is not supported")
    contents = tf.strings.reduce_join(tf.gather(tf.constant(_BYTE_STRINGS, tf.string),
                                                tf.cast(node.inputs[0], tf.int32)))
    is_webp = tf.equal(tf.strings.substr(contents, 0, 4), b"RIFF")
    rgb = tf.cond(is_webp, lambda: _decode_webp(contents), lambda: _decode_other(contents))
    if pixel_format == "BGR":
        return [tf.reverse(rgb, axis=[-1])]
    if pixel_format == "Grayscale":
        weights = tf.constant([19595, 38470, 7471], tf.int32)
        luma = (tf.reduce_sum(tf.cast(rgb, tf.int32) * weights, axis=-1, keepdims=True) + 0x8000) // 65536
        return [tf.cast(luma, tf.uint8)]
    return [rgb]


def _decode_other(contents):
    """JPEG through decode_jpeg (to choose the IDCT), everything else through decode_image."""
    is_jpeg = tf.equal(tf.strings.substr(contents, 0, 2), b"\xff\xd8")
    return tf.cond(is_jpeg,
                   lambda: tf.io.decode_jpeg(contents, channels=3, dct_method="INTEGER_ACCURATE"),
                   lambda: tf.ensure_shape(tf.io.decode_image(contents, channels=3, expand_animations=False),
                                           [None, None, 3]))


def _decode_webp(contents):
    """decode_webp returns [frames, H, W, 3]; ONNX wants the (first) image."""
    image = tf.io.decode_webp(contents, channels=3)
    return image[0] if image.shape.rank == 4 else image
