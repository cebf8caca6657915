"""The in-graph image pipeline against PIL + torchvision.transforms.v2 on real encoded images."""
import numpy as np
import pytest
import tensorflow as tf

from converter.client_options import ImagePreprocess
from converter.savedmodel.preprocess import preprocess_images
from converter.verify.image_reference import encode, reference_batch, synthetic_image

LEVEL = 1 / 255 / 0.224 + 1e-5       # one uint8 level after the imagenet normalisation (smallest std)


def _tf(encoded, pre):
    return preprocess_images(tf.constant(encoded), pre).numpy()


def _case(rng, h, w, fmt, mode):
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    return encode(synthetic_image(rng, h, w, channels), fmt, mode)


@pytest.mark.parametrize("fmt,mode", [(f, m) for f in ("PNG", "BMP", "GIF") for m in ("RGB", "L", "RGBA")
                                      if (f, m) != ("GIF", "RGBA")])        # GIF has no alpha channel
def test_imagenet_preset_matches_torchvision(fmt, mode):
    rng = np.random.default_rng(["PNG", "BMP", "GIF"].index(fmt) * 10 + ["RGB", "L", "RGBA"].index(mode))
    pre = ImagePreprocess.imagenet()
    for h, w in [(300, 400), (481, 359), (224, 224), (100, 150)]:
        data = _case(rng, h, w, fmt, mode)
        actual, expected = _tf([data], pre), reference_batch([data], pre)
        diff = np.abs(actual - expected)
        assert actual.shape == expected.shape == (1, 3, 224, 224)
        assert diff.max() <= 1e-5, (h, w, fmt, mode, diff.max())     # PIL's resampling, bit for bit


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_resize_modes_and_fixed_size(mode):
    rng = np.random.default_rng(3)
    pre = ImagePreprocess((160, 200), mode, None, (1.0, 255.0), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25), "bgr")
    encoded = [_case(rng, h, w, "PNG", "RGB") for h, w in [(333, 500), (90, 120), (160, 200)]]
    actual, expected = _tf(encoded, pre), reference_batch(encoded, pre)
    assert np.abs(actual - expected).max() <= 1e-5


def test_crop_larger_than_image_pads_with_zeros():
    rng = np.random.default_rng(4)
    pre = ImagePreprocess((), "bilinear", (64, 80), (1.0, 255.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), "rgb")
    encoded = [_case(rng, 50, 61, "PNG", "RGB"), _case(rng, 99, 120, "PNG", "RGB")]
    np.testing.assert_array_equal(_tf(encoded, pre), reference_batch(encoded, pre))


def test_jpeg_decode_matches_pil():
    rng = np.random.default_rng(5)
    pre = ImagePreprocess.imagenet()
    data = [_case(rng, 375, 500, "JPEG", "RGB"), _case(rng, 300, 300, "JPEG", "L")]
    diff = np.abs(_tf(data, pre) - reference_batch(data, pre))
    assert diff.max() <= 1e-5, diff.max()       # the accurate integer IDCT, as PIL's libjpeg


def test_bad_bytes_raise_invalid_argument():
    pre = ImagePreprocess.imagenet()
    with pytest.raises(tf.errors.InvalidArgumentError, match="not JPEG, PNG, GIF or BMP"):
        _tf([b"not an image"], pre)
    with pytest.raises(tf.errors.InvalidArgumentError):       # a PNG header, then garbage: the decoder's error
        _tf([b"\x89PNG\r\n\x1a\n" + b"\x00" * 40], pre)


def test_animated_gif_gives_its_first_frame():
    import io

    from PIL import Image

    rng = np.random.default_rng(6)
    frames = [Image.fromarray(synthetic_image(rng, 120, 160)) for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    pre = ImagePreprocess.imagenet()
    data = [buffer.getvalue()]
    np.testing.assert_allclose(_tf(data, pre), reference_batch(data, pre), atol=1e-5)
