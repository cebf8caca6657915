"""References that disagree because the model is numerically unstable in float32 on some inputs (issue 17:
torchvision's EfficientNet-B0 and RegNetY on N(3,1) inputs, activations ~3e4, PyTorch float32 5% off its own
float64 result) are not blamed on the conversion or the export: measured, said in a warning, compared
within 10x that spread. A disagreement without that evidence still excuses nothing."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper

from converter.backend import prepare
from converter.checkpoint import LoadedCheckpoint
from converter.savedmodel.export import export_saved_model
from converter.verify import UNOPTIMIZED_ONNXRUNTIME, FeedSet, verify_saved_model
from converter.verify.failure import generalization_problem
from converter.verify.stability import PYTORCH_FLOAT64, float64_where_disagreeing

RNG = np.random.default_rng(0)
NORMAL = RNG.standard_normal((1, 6)).astype(np.float32)
SHIFTED = (RNG.standard_normal((3, 6)) * 1e4).astype(np.float32)      # outputs of scale ~3e4
FEED_SETS = [FeedSet(1, "normal", {"x": NORMAL}), FeedSet(3, "shifted", {"x": SHIFTED})]


@pytest.fixture(scope="module")
def identity_model(tmp_path_factory):
    """A SavedModel returning its input: ours is exactly the feeds; the references are constructed."""
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    path = tmp_path_factory.mktemp("identity") / "saved"
    return path, export_saved_model(prepare(model).module, model, path)


def _verify(identity_model, expected):
    path, spec = identity_model
    report, _ = verify_saved_model(path, "serving_default", spec, FEED_SETS, expected, 1e-4, 1e-3, calibrated=True)
    return report


def _off(values: np.ndarray, by: float) -> list[np.ndarray]:
    out = values.copy()
    out[0, 0] += by
    return [out]


def test_runtimes_apart_on_the_same_graph_are_instability(identity_model):
    """.onnx source: ONNX Runtime optimized vs unoptimized 500 apart on outputs of ~3e4 (beyond the cap):
    the same graph, so rounding; ours 400 from ONNX Runtime passes as 'unstable', no generalization verdict."""
    expected = {"onnxruntime": [[NORMAL], _off(SHIFTED, -400.0)],
                UNOPTIMIZED_ONNXRUNTIME: [[NORMAL], _off(SHIFTED, 100.0)]}
    report = _verify(identity_model, expected)
    assert report.passed, report.table()
    shifted = [r for r in report.rows if r.inputs == "shifted"]
    assert [r.passed_by for r in shifted] == ["unstable inputs"]
    assert "yes (unstable)" in report.table()
    assert any("numerically unstable in float32" in w and "ONNX Runtime with and without graph optimizations" in w
               for w in report.warnings), report.warnings
    assert generalization_problem(report, []) == ""


def test_pytorch_far_from_its_float64_is_instability(identity_model):
    expected = {"pytorch": [[NORMAL], _off(SHIFTED, 300.0)], "onnxruntime": [[NORMAL], _off(SHIFTED, -200.0)],
                PYTORCH_FLOAT64: [None, [SHIFTED.astype(np.float64)]]}
    report = _verify(identity_model, expected)
    assert report.passed, report.table()
    assert any("PyTorch float32 differs from PyTorch float64 by 300" in w for w in report.warnings), report.warnings


def test_disagreement_without_evidence_excuses_nothing(identity_model):
    """PyTorch matches its float64 result (so ONNX Runtime, or the export, is off), or no float64 result:
    the shifted rows fail and the generalization verdict stands."""
    for float64 in ([None, [SHIFTED.astype(np.float64) + 0.0]], None):
        expected = {"pytorch": [[NORMAL], [SHIFTED]], "onnxruntime": [[NORMAL], _off(SHIFTED, -500.0)]}
        if float64:
            expected[PYTORCH_FLOAT64] = float64
        report = _verify(identity_model, expected)
        assert not report.passed
        assert not any("unstable" in w for w in report.warnings)
        assert generalization_problem(report, []).startswith("the exported graph does not generalize")


class Cancelling(torch.nn.Module):
    """(x + 1e8) - 1e8: float32 keeps x to the nearest 8, float64 exactly."""

    def forward(self, x):
        return (x + 1e8) - 1e8


def test_float64_runs_only_where_the_references_disagree():
    loaded = LoadedCheckpoint("pickled_module", "m.pt", Cancelling(), None)
    feeds = [{"x": NORMAL}, {"x": SHIFTED}]
    pytorch = [[np.asarray(Cancelling()(torch.from_numpy(f["x"])))] for f in feeds]
    onnxruntime = [pytorch[0], [pytorch[1][0] + 50.0]]
    wide = float64_where_disagreeing(loaded, ["x"], feeds, pytorch, onnxruntime)
    assert wide[0] is None
    assert wide[1][0].dtype == np.float64
    np.testing.assert_allclose(wide[1][0], SHIFTED.astype(np.float64), rtol=0, atol=1e-6)
    assert next(Cancelling().parameters(), None) is None     # nothing to copy: still runs
