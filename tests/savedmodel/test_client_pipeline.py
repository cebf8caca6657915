"""The convert CLI with the client-signature flags on a small TorchScript CNN: what is published, the
verification record, and the image path against PyTorch on PIL + torchvision-preprocessed images."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from converter.client_options import ImagePreprocess
from converter.verify.image_reference import encode, reference_batch, synthetic_image
from tests.e2e.conftest import run_script

pytestmark = pytest.mark.slow      # a conversion with the client signatures

LABELS = [f"kind {i}" for i in range(6)]


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8, 6)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    folder = tmp_path_factory.mktemp("client_pipeline")
    torch.manual_seed(0)
    model = SmallCnn().eval()
    torch.jit.trace(model, torch.zeros(1, 3, 32, 32)).save(str(folder / "cnn.pt"))
    (folder / "labels.txt").write_text("\n".join(LABELS) + "\n")
    root = folder / "serving_models"
    result = run_script("convert.py", "--checkpoint", folder / "cnn.pt", "--name", "cnn", "--serving-root", root,
                        "--input", "x:float32:1x3x32x32", "--output", "logits", "--image-input", "x",
                        "--resize", "40", "--crop", "center:32,32", "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25",
                        "--labels", folder / "labels.txt", "--top-k", "3", "--classify", "--verify-batch-sizes", "1,2")
    assert result.code == 0, result.stderr[-2000:]
    return model, root / "cnn" / "1"


def test_report_records_every_client_signature(published):
    _, version_dir = published
    report = json.loads((version_dir / "assets.extra" / "conversion_report.json").read_text())
    client = report["client_signatures"]
    assert client["signatures"] == {"predict_image_bytes": "tensorflow/serving/predict",
                                    "predict_top_k": "tensorflow/serving/predict",
                                    "classify": "tensorflow/serving/classify"}
    ran = {(r["signature"], r["inputs"]) for r in client["runs"]}
    assert {("predict_image_bytes", "png"), ("predict_image_bytes", "jpeg"), ("classify", "png"),
            ("predict_top_k", "tensor"), ("predict_image_bytes", "bad bytes")} <= ran
    assert all(o["ok"] for r in client["runs"] if r["error"] is None for o in r["outputs"].values())
    assert "not JPEG, PNG, GIF or BMP" in client["bad_bytes_error"]


def test_image_path_matches_pytorch_on_torchvision_preprocessing(published):
    import tensorflow as tf

    model, version_dir = published
    rng = np.random.default_rng(21)
    images = [encode(synthetic_image(rng, 77, 51), "PNG"), encode(synthetic_image(rng, 40, 90, 1), "BMP", "L")]
    pre = ImagePreprocess((40,), "bilinear", (32, 32), (1.0, 255.0), (0.5,) * 3, (0.25,) * 3, "rgb")
    with torch.no_grad():
        expected = model(torch.from_numpy(reference_batch(images, pre))).numpy()
    loaded = tf.saved_model.load(str(version_dir))
    out = loaded.signatures["predict_image_bytes"](image_bytes=tf.constant(images))
    np.testing.assert_allclose(out["logits"].numpy(), expected, atol=1e-4, rtol=1e-3)
    order = np.argsort(-expected, axis=1)[:, :3]
    assert out["classes"].numpy().tolist() == [[LABELS[i].encode() for i in row] for row in order]


def test_preprocess_flags_without_image_input_are_refused(tmp_path):
    result = run_script("convert.py", "--checkpoint", tmp_path / "missing.pt", "--name", "m", "--crop", "center:4,4")
    assert result.code == 2
    assert "without --image-input" in result.last_error_line
