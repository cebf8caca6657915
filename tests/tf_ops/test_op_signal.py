"""DFT / STFT / windows / MelWeightMatrix / ImageDecoder against numpy, onnx's reference evaluator
and Pillow, with a dynamic (None) batch where the op has one."""
import io

import numpy as np
import pytest
from onnx import TensorProto as P
from onnx import helper as h
from onnx.reference import ReferenceEvaluator

from tests.tf_ops._dynamic_batch import make_model, run_dynamic

RNG = np.random.default_rng(0)


def _out(name, elem=P.FLOAT):
    return h.make_tensor_value_info(name, elem, None)


@pytest.mark.parametrize("inverse,onesided", [(0, 0), (1, 0), (0, 1)])
def test_dft_opset20_complex_input(inverse, onesided):
    node = h.make_node("DFT", ["x", "", "axis"], ["y"], inverse=inverse, onesided=onesided)
    model = make_model([node], [h.make_tensor_value_info("x", P.FLOAT, [None, 8, 2])], [_out("y")], opset=20)
    model.graph.initializer.append(h.make_tensor("axis", P.INT64, [], [1]))
    x = RNG.standard_normal((3, 8, 2)).astype(np.float32)
    (y,) = run_dynamic(model, {"x": x})
    signal = x[..., 0].astype(np.float64) + 1j * x[..., 1]
    expected = np.fft.ifft(signal, axis=1) if inverse else np.fft.fft(signal, axis=1)
    if onesided:
        expected = expected[:, :5]
    np.testing.assert_allclose(y, np.stack([expected.real, expected.imag], -1), rtol=1e-5, atol=1e-5)


def test_dft_opset17_real_input_with_length_and_irfft_roundtrip():
    nodes = [h.make_node("DFT", ["x", "n"], ["spectrum"], axis=1, onesided=1),
             h.make_node("DFT", ["spectrum", "n"], ["back"], axis=1, onesided=1, inverse=1)]
    model = make_model(nodes, [h.make_tensor_value_info("x", P.FLOAT, [None, 10, 1])],
                       [_out("spectrum"), _out("back")], opset=17)
    model.graph.initializer.append(h.make_tensor("n", P.INT64, [], [12]))      # zero-padded to 12
    x = RNG.standard_normal((2, 10, 1)).astype(np.float32)
    spectrum, back = run_dynamic(model, {"x": x})
    expected = np.fft.rfft(x[..., 0].astype(np.float64), n=12, axis=1)
    np.testing.assert_allclose(spectrum, np.stack([expected.real, expected.imag], -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(back[..., 0], np.fft.irfft(expected, n=12, axis=1), rtol=1e-5, atol=1e-5)


def test_stft_with_window_dynamic_batch():
    node = h.make_node("STFT", ["signal", "step", "window"], ["y"])
    model = make_model([node], [h.make_tensor_value_info("signal", P.FLOAT, [None, 64, 1])], [_out("y")], opset=17)
    window = np.hanning(16).astype(np.float32)
    model.graph.initializer.extend([h.make_tensor("step", P.INT64, [], [8]),
                                    h.make_tensor("window", P.FLOAT, [16], window)])
    signal = RNG.standard_normal((3, 64, 1)).astype(np.float32)
    (y,) = run_dynamic(model, {"signal": signal})
    frames = np.stack([signal[:, s:s + 16, 0] * window for s in range(0, 64 - 16 + 1, 8)], axis=1)
    expected = np.fft.rfft(frames.astype(np.float64), axis=-1)
    np.testing.assert_allclose(y, np.stack([expected.real, expected.imag], -1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("periodic", [0, 1])
def test_windows_match_numpy(periodic):
    nodes = [h.make_node(op, ["size"], [op], periodic=periodic)
             for op in ("HannWindow", "HammingWindow", "BlackmanWindow")]
    model = make_model(nodes, [h.make_tensor_value_info("size", P.INT64, [])],
                       [_out("HannWindow"), _out("HammingWindow"), _out("BlackmanWindow")], opset=17)
    hann, hamming, blackman = run_dynamic(model, {"size": np.int64(10)}, {"size": []})
    n = np.arange(10)
    denominator = 10 if periodic else 9
    np.testing.assert_allclose(hann, 0.5 - 0.5 * np.cos(2 * np.pi * n / denominator), atol=1e-6)
    np.testing.assert_allclose(hamming, 25 / 46 - 21 / 46 * np.cos(2 * np.pi * n / denominator), atol=1e-6)
    np.testing.assert_allclose(blackman, 0.42 - 0.5 * np.cos(2 * np.pi * n / denominator)
                               + 0.08 * np.cos(4 * np.pi * n / denominator), atol=1e-6)
    if not periodic:
        np.testing.assert_allclose(hann, np.hanning(10), atol=1e-6)


def test_mel_weight_matrix_matches_reference_evaluator():
    node = h.make_node("MelWeightMatrix", ["bins", "dft", "rate", "low", "high"], ["w"])
    inputs = [h.make_tensor_value_info(n, t, []) for n, t in
              (("bins", P.INT64), ("dft", P.INT64), ("rate", P.INT64), ("low", P.FLOAT), ("high", P.FLOAT))]
    model = make_model([node], inputs, [_out("w")], opset=17)
    feeds = {"bins": np.int64(10), "dft": np.int64(128), "rate": np.int64(16000),
             "low": np.float32(20), "high": np.float32(7000)}
    (ours,) = run_dynamic(model, feeds, {name: [] for name in feeds})
    (expected,) = ReferenceEvaluator(model).run(None, feeds)
    np.testing.assert_allclose(ours, expected, atol=1e-6)


@pytest.mark.parametrize("image_format,pixel_format", [("PNG", "RGB"), ("PNG", "BGR"), ("JPEG", "RGB"),
                                                       ("BMP", "Grayscale")])
def test_image_decoder_matches_pillow(image_format, pixel_format):
    from PIL import Image
    pixels = RNG.integers(0, 255, (12, 10, 3)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=image_format)
    encoded = np.frombuffer(buffer.getvalue(), np.uint8)
    model = make_model([h.make_node("ImageDecoder", ["encoded"], ["image"], pixel_format=pixel_format)],
                       [h.make_tensor_value_info("encoded", P.UINT8, [None])], [_out("image", P.UINT8)], opset=20)
    (image,) = run_dynamic(model, {"encoded": encoded})
    (expected,) = ReferenceEvaluator(model).run(None, {"encoded": encoded})     # decodes with Pillow
    np.testing.assert_array_equal(image, expected)
