"""The client signatures through converter.serving.client and `torch2serving predict` against the stand-in
server (gRPC: DT_STRING tensors and Classify; REST: {"b64": ...} and :classify), numbers checked
against PIL + torchvision preprocessing and numpy."""
from __future__ import annotations

import numpy as np
import pytest

from converter.client_options import ClientSignatureOptions
from converter.savedmodel.classify import make_example
from converter.serving.client import (
    ServingClientError,
    Target,
    image_feeds,
    make_client,
)
from converter.serving.model_config import ModelPolicy, write_models_config
from converter.serving.warmup import append_warmup_records, classify_log, predict_log
from converter.verify.image_reference import encode, reference_batch, synthetic_image
from converter.cli import predict as predict_script
from tests.savedmodel.test_client_signatures import (
    LABELS,
    PRE,
    _save,
    _softmax_top_k,
)
from tests.serving.fake_model_server import FakeModelServer


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(11)
    paths = []
    for (h, w), fmt, mode in [((60, 80), "JPEG", "RGB"), ((45, 45), "PNG", "RGBA"), ((90, 50), "BMP", "L")]:
        channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
        path = folder / f"image_{len(paths)}.{fmt.lower()}"
        path.write_bytes(encode(synthetic_image(rng, h, w, channels), fmt, mode))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def server(tmp_path_factory, images):
    root = tmp_path_factory.mktemp("serving_models")
    version_dir = root / "tiny" / "1"
    model = _save(version_dir, ClientSignatureOptions("input_img", PRE, LABELS, 3, "softmax", True))
    data = [p.read_bytes() for p in images]
    append_warmup_records(version_dir, [predict_log("tiny", "predict_image_bytes", image_feeds(images)),
                                        classify_log("tiny", "classify", [make_example({"image/encoded": data[0]})])])
    config = write_models_config(root, {"tiny": ModelPolicy("latest:1", ())})
    with FakeModelServer(config, root, "/models") as running:
        running.model = model
        yield running


def _client(server, rest, signature):
    return make_client(Target(server.rest_address if rest else server.grpc_address, "tiny", signature), rest=rest)


def _expected(server, images):
    logits = server.model.numpy(reference_batch([p.read_bytes() for p in images], PRE))
    return (logits, *_softmax_top_k(logits, 3))


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_predict_image_bytes(server, images, rest):
    logits, order, probs = _expected(server, images)
    outputs = _client(server, rest, "predict_image_bytes").predict(image_feeds(images))
    np.testing.assert_allclose(outputs["logits"], logits, atol=1e-4)
    np.testing.assert_allclose(outputs["scores"], probs, atol=2e-5)
    assert outputs["classes"].tolist() == [[LABELS[i].encode() for i in row] for row in order]


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_classify(server, images, rest):
    _, order, probs = _expected(server, images)
    results = _client(server, rest, "classify").classify([{"image/encoded": p.read_bytes()} for p in images])
    assert [[label for label, _ in row] for row in results] == [[LABELS[i] for i in row] for row in order]
    np.testing.assert_allclose([[score for _, score in row] for row in results], probs, atol=2e-5)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_top_k_on_tensors(server, rest):
    x = np.random.default_rng(5).normal(size=(2, 3, 32, 32)).astype(np.float32)
    _, probs = _softmax_top_k(server.model.numpy(x), 3)
    outputs = _client(server, rest, "predict_top_k").predict({"input_img": x})
    np.testing.assert_allclose(outputs["scores"], probs, atol=2e-5)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_bad_bytes_are_invalid_argument(server, rest):
    feeds = {"image_bytes": np.array([b"definitely not an image"], dtype=object)}
    with pytest.raises(ServingClientError, match="INVALID_ARGUMENT|HTTP 400") as caught:
        _client(server, rest, "predict_image_bytes").predict(feeds)
    assert "not JPEG, PNG, GIF or BMP" in str(caught.value)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_predict_script_images_and_classify(server, images, rest, tmp_path, capsys):
    address = server.rest_address if rest else server.grpc_address
    flags = ["--server", address, "--model", "tiny"] + (["--rest"] if rest else [])
    assert predict_script.main(flags + ["--images", *map(str, images), "--output-dir", str(tmp_path)]) == 0
    logits, order, _ = _expected(server, images)
    np.testing.assert_allclose(np.load(tmp_path / "logits.npy"), logits, atol=1e-4)
    assert predict_script.main(flags + ["--classify", "--images", str(images[0])]) == 0
    assert LABELS[order[0][0]] in capsys.readouterr().out


def test_metadata_shows_the_method_names(server):
    """GetModelMetadata decoded with tensorflow_serving's SignatureDefMap: what a TF Serving client sees."""
    signatures = _client(server, False, "classify").metadata()["metadata"]["signature_def"]["signature_def"]
    assert signatures["classify"]["method_name"] == "tensorflow/serving/classify"
    assert list(signatures["classify"]["inputs"]) == ["inputs"]
    assert signatures["predict_image_bytes"]["inputs"]["image_bytes"]["dtype"] == "DT_STRING"
    assert signatures["predict_top_k"]["outputs"]["classes"]["dtype"] == "DT_STRING"
