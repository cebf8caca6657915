"""python -m converter on the bundled example, end to end, from a working directory outside the checkout:
convert (--json), then verify, inspect and check-serving on what it published."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from examples.models import build
from tests.cli.test_commands import ROOT, _run

pytestmark = pytest.mark.slow      # a conversion and three TensorFlow processes


def test_convert_then_verify_inspect_and_check_serving(tmp_path):
    model = build("TinyResNet")
    torch.save(model.state_dict(), tmp_path / "state_dict.pt")
    converted = _run("-m", "converter", "convert", "--checkpoint", "state_dict.pt", "--model-class",
                     "examples.models:TinyResNet", "--model-path", str(ROOT), "--input", "input_img:float32:1x3x32x32",
                     "--output", "confidences", "--name", "tiny_resnet", "--signature", "predict_images", "--json",
                     cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr[-3000:]
    summary = json.loads(converted.stdout)
    assert summary["status"] == "published" and summary["version"] == 1
    assert summary["version_dir"] == "serving_models/tiny_resnet/1"
    assert summary["report"]["parity"]["passed"]

    x = np.random.default_rng(3).standard_normal((5, 3, 32, 32)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    verified = _run("-m", "converter", "verify", "--dir", "serving_models/tiny_resnet/1", "--signature_def",
                    "predict_images", "--inputs", "input_img=x.npy", "--outdir", "out", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr[-3000:]
    assert "Result for output key confidences:" in verified.stdout
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "out" / "confidences.npy"), expected, atol=1e-4, rtol=1e-3)

    inspected = _run("-m", "converter", "inspect", "serving_models/tiny_resnet", cwd=tmp_path)
    assert inspected.returncode == 0, inspected.stderr[-3000:]
    assert "signature_def['predict_images']" in inspected.stdout and "shape: (-1, 3, 32, 32)" in inspected.stdout

    checked = _run("-m", "converter", "check-serving", "serving_models/tiny_resnet", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr[-3000:]
