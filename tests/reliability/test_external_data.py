"""The external-data path through the whole pipeline, with a low size threshold.

A protobuf cannot exceed 2 GB, so large models are exported with their weights in `<name>.onnx.data`;
the passes, the translator (weights -> tf.Variables) and the ONNX Runtime reference must read them
from beside the .onnx file. Here the threshold is lowered so a 48 KiB model takes that path.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from converter.config import ConversionConfig, InputSpec
from tests.e2e.conftest import ROOT
from tests.reliability._models import LinearStack

pytestmark = pytest.mark.slow      # a conversion through the whole pipeline


@pytest.fixture
def stack_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = LinearStack(width=64, depth=3)
    path = tmp_path / "stack_state_dict.pt"
    torch.save(model.state_dict(), path)
    return model.eval(), path


def test_external_data_end_to_end(stack_checkpoint, tmp_path, monkeypatch):
    from converter.export import save
    from converter.pipeline import convert
    from converter.verify.session_runner import run_in_subprocess

    monkeypatch.setattr(save, "EXTERNAL_DATA_THRESHOLD_BYTES", 10_000)
    model, checkpoint = stack_checkpoint
    work = tmp_path / "work"
    config = ConversionConfig(checkpoint=checkpoint, name="stack", inputs=(InputSpec.parse("x:float32:2x64"),),
                              outputs=("y",), model_class="tests.reliability._models:LinearStack",
                              model_path=ROOT, serving_root=tmp_path / "serving_models", work_dir=work)
    result = convert(config)
    data_file = work / "stack.onnx.data"
    assert data_file.is_file() and data_file.stat().st_size >= 3 * 64 * 64 * 4   # weights went external
    assert (work / "stack.onnx").stat().st_size < 10_000
    report = json.loads((result.version_dir / "assets.extra" / "conversion_report.json").read_text())
    assert report["parity"]["passed"]
    assert {row["reference"] for row in report["parity"]["rows"]} == {"pytorch", "onnxruntime"}
    variables = result.version_dir / "variables" / "variables.data-00000-of-00001"
    assert variables.stat().st_size >= 3 * 64 * 64 * 4                           # weights as tf.Variables
    assert (result.version_dir / "saved_model.pb").stat().st_size < 3 * 64 * 64 * 4
    feeds = {"x": np.random.default_rng(1).standard_normal((5, 64)).astype(np.float32)}
    served = run_in_subprocess(result.version_dir, "serving_default", [feeds])[0]
    with torch.no_grad():
        expected = model(torch.from_numpy(feeds["x"])).numpy()
    np.testing.assert_allclose(served["y"], expected, atol=1e-5, rtol=1e-4)
