"""Issue 21's acceptance run: torchvision's ResNet-18 (random weights, calibrated BatchNorm, as the model zoo
builds it) saved as a state_dict and converted with `--image-input pixel_values --preprocess imagenet --labels
labels.txt --top-k 5 --classify`: four signatures, each verified by the pipeline, then called through the
client against the stand-in server (gRPC and REST) and compared with PyTorch on the same images decoded by PIL
and preprocessed by torchvision.transforms.v2."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from converter.client_options import ImagePreprocess
from converter.serving.client import Target, make_client
from converter.verify.image_reference import encode, reference_batch, synthetic_image

ROOT = Path(__file__).resolve().parents[2]
LABELS = [f"class {i:03d}" for i in range(1000)]
SIGNATURES = {"serving_default": "tensorflow/serving/predict", "predict_image_bytes": "tensorflow/serving/predict",
              "predict_top_k": "tensorflow/serving/predict", "classify": "tensorflow/serving/classify"}


def photo_jpeg() -> bytes:
    """A real photograph (matplotlib's sample grace_hopper.jpg, 512x600) re-encoded as a 224x224 JPEG."""
    import matplotlib
    from PIL import Image

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    buffer = io.BytesIO()
    Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from benchmarks.zoo.catalogue import BY_NAME
    from benchmarks.zoo.checkpoints import write_checkpoint

    folder = tmp_path_factory.mktemp("resnet18")
    checkpoint = write_checkpoint(BY_NAME["resnet18"], folder / "checkpoint")
    (folder / "labels.txt").write_text("\n".join(LABELS) + "\n")
    root = folder / "serving_models"
    command = [sys.executable, "-m", "converter", "convert", "--checkpoint", checkpoint["checkpoint"],
               *checkpoint["args"], "--input", "pixel_values:float32:2x3x224x224", "--output", "logits",
               "--name", "resnet18", "--serving-root", str(root), "--image-input", "pixel_values",
               "--preprocess", "imagenet", "--labels", str(folder / "labels.txt"), "--top-k", "5", "--classify"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=1800,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert done.returncode == 0, done.stderr[-3000:]
    from benchmarks.zoo.architectures import ZooModule

    model = ZooModule("torchvision:resnet18").eval()
    model.load_state_dict(torch.load(checkpoint["checkpoint"], weights_only=True))
    return root, root / "resnet18" / "1", model


@pytest.fixture(scope="module")
def server(published):
    from tests.serving.fake_model_server import FakeModelServer

    root = published[0]
    with FakeModelServer(root / "models.config", root, "/models") as running:
        yield running


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(21)
    return [photo_jpeg(), encode(synthetic_image(rng, 300, 400), "PNG"),
            encode(synthetic_image(rng, 181, 257, 1), "PNG", "L")]


def pytorch_logits(model, images: list[bytes]) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(reference_batch(images, ImagePreprocess.imagenet()))).numpy()


@pytest.mark.slow
def test_four_signatures_published_and_verified(published):
    _, version_dir, _ = published
    report = json.loads((version_dir / "assets.extra" / "conversion_report.json").read_text())
    assert report["client_signatures"]["signatures"] == {k: v for k, v in SIGNATURES.items() if k != "serving_default"}
    runs = report["client_signatures"]["runs"]
    assert {r["signature"] for r in runs} >= {"predict_image_bytes", "predict_top_k", "classify"}
    assert all(o["ok"] for r in runs if r["error"] is None for o in r["outputs"].values())
    assert all(row["passed"] for row in report["parity"]["rows"])


def _client(server, signature: str, rest: bool):
    return make_client(Target(server.rest_address if rest else server.grpc_address, "resnet18", signature), rest=rest)


@pytest.mark.slow
@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_image_bytes_match_pytorch_on_torchvision_preprocessing(published, server, images, rest):
    model = published[2]
    client = _client(server, "predict_image_bytes", rest)
    got = client.predict({"image_bytes": np.array(images, dtype=object)})
    expected = pytorch_logits(model, images)
    np.testing.assert_allclose(got["logits"], expected, atol=1e-4, rtol=1e-3)
    top5 = np.argsort(-expected, axis=1)[:, :5]
    assert [[c.decode() for c in row] for row in got["classes"]] == [[LABELS[i] for i in row] for row in top5]
    scores = np.exp(expected - expected.max(1, keepdims=True))
    scores /= scores.sum(1, keepdims=True)
    np.testing.assert_allclose(got["scores"], np.take_along_axis(scores, top5, 1), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_classify_api_returns_the_labelled_top_k(published, server, images, rest):
    model = published[2]
    client = _client(server, "classify", rest)
    results = client.classify([{"image/encoded": data} for data in images])
    expected = pytorch_logits(model, images)
    for row, logits in zip(results, expected, strict=True):
        assert [label for label, _ in row] == [LABELS[i] for i in np.argsort(-logits)[:5]]


@pytest.mark.slow
def test_top_k_on_the_tensor_input(published, server):
    model = published[2]
    client = make_client(Target(server.grpc_address, "resnet18", "predict_top_k"))
    x = np.random.default_rng(5).standard_normal((3, 3, 224, 224)).astype(np.float32)
    got = client.predict({"pixel_values": x})
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    assert [[c.decode() for c in row] for row in got["classes"]] == \
        [[LABELS[i] for i in row] for row in np.argsort(-expected, axis=1)[:, :5]]

