"""MakeBatchDynamicPass: symbolic batch on every input/output; Reshape targets pinned to the example
batch are freed. Checked numerically with ONNX Runtime at batch sizes other than the export's."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument

from converter.config import ConversionConfig
from converter.onnx_passes.pipeline import run_passes


class Flattening(torch.nn.Module):
    def forward(self, x, y):
        return torch.relu(x).reshape(4, -1) * 2.0, y + 1


def _export_fixed_batch(path):
    torch.onnx.export(Flattening(), (torch.randn(4, 3, 5), torch.randn(4, 2)), str(path), dynamo=False,
                      input_names=["x", "y"], output_names=["flat", "y_plus"])
    return onnx.load(str(path))


def _dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def test_fixed_batch_graph_becomes_dynamic(tmp_path):
    model = _export_fixed_batch(tmp_path / "m.onnx")
    with pytest.raises(InvalidArgument, match="invalid dimensions"):   # the exported graph only runs at batch 4
        ort.InferenceSession(model.SerializeToString()).run(None, {"x": np.zeros((7, 3, 5), np.float32),
                                                                   "y": np.zeros((7, 2), np.float32)})
    reference, translated, records = run_passes(model, ConversionConfig(checkpoint="m.onnx", name="m"))
    onnx.checker.check_model(reference, full_check=True)
    assert [_dims(v) for v in reference.graph.input] == [["batch", 3, 5], ["batch", 2]]
    assert [_dims(v)[0] for v in reference.graph.output] == ["batch", "batch"]
    assert records[0].name == "MakeBatchDynamicPass" and records[0].modified
    session = ort.InferenceSession(reference.SerializeToString())
    for batch in (1, 3, 7):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 5)).astype(np.float32)
        y = np.ones((batch, 2), np.float32)
        flat, y_plus = session.run(None, {"x": x, "y": y})
        np.testing.assert_allclose(flat, np.maximum(x, 0).reshape(batch, -1) * 2.0, rtol=1e-6)
        np.testing.assert_allclose(y_plus, y + 1)


def test_dynamic_axis_flag_makes_another_axis_symbolic(tmp_path):
    model = _export_fixed_batch(tmp_path / "m.onnx")
    config = ConversionConfig(checkpoint="m.onnx", name="m", dynamic_axes=(("y", 1, "features"),))
    reference, _, _ = run_passes(model, config)
    assert _dims(reference.graph.input[1]) == ["batch", "features"]
