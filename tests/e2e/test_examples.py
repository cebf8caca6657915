"""End-to-end: example checkpoints -> scripts/convert.py -> published, verified SavedModel.

Every model is converted from two checkpoint formats, and every format is covered at least once.
Each published model is then run again here, independently of the converter's own verify stage:
loaded the TF Serving way (TF1 session, tag serve, signature by name) at batch 5, which neither the
export (batch 2) nor the verification (1, 3, 8) used, and compared with the PyTorch model in eager mode.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from converter.savedmodel.describe import read_signature_defs
from converter.verify.session_runner import run_in_subprocess
from examples import models
from examples.make_checkpoints import PACKAGE_RESOURCE, example_args
from tests.e2e.conftest import convert_args, read_report, run_script

CASES = [
    ("TinyResNet", "state_dict", []),
    ("TinyResNet", "scripted", []),
    ("TinyTransformerEncoder", "state_dict", []),
    ("TinyTransformerEncoder", "exported_program", []),
    ("TwoInTwoOut", "train_loop", []),
    ("TwoInTwoOut", "pickled_module", ["--trust-checkpoint"]),
    ("TwoInTwoOutDict", "torch_package", ["--trust-checkpoint", "--package-resource", PACKAGE_RESOURCE]),
    ("SequenceClassifierLSTM", "traced", []),
    ("SequenceClassifierLSTM", "state_dict", []),
    ("SequenceClassifierGRU", "onnx", []),
    ("SequenceClassifierGRU", "state_dict", []),
]


@pytest.mark.slow
@pytest.mark.parametrize("example,fmt,extra", CASES, ids=[f"{e}-{f}" for e, f, _ in CASES])
def test_convert_publish_verify(example, fmt, extra, example_checkpoints, tmp_path):
    serving_root = tmp_path / "serving_models"
    checkpoint = example_checkpoints(example)[fmt]
    name = example.lower()
    result = run_script("convert.py", *convert_args(example, checkpoint, name, serving_root,
                                                    "--signature", "predict", *extra))
    assert result.code == 0, result.stderr[-3000:]

    version_dir = serving_root / name / "1"
    assert (version_dir / "saved_model.pb").is_file() and (version_dir / "variables").is_dir()
    assert [p.name for p in (serving_root / name).iterdir() if not p.name.startswith(".")] == ["1"]
    spec = models.EXAMPLES[example]

    # Signatures: both names, ONNX names as keys, dtypes preserved, batch -1.
    signatures = read_signature_defs(version_dir)
    assert {"predict", "serving_default"} <= set(signatures)
    for signature in ("predict", "serving_default"):
        definition = signatures[signature]
        assert definition.method_name == "tensorflow/serving/predict"
        assert sorted(definition.inputs) == sorted(t.split(":")[0] for t in spec.inputs)
        assert sorted(definition.outputs) == sorted(spec.outputs)
        for text in spec.inputs:
            input_name, dtype, shape = text.split(":")
            info = definition.inputs[input_name]
            dims = [d.size for d in info.tensor_shape.dim]
            assert dims == [-1] + [int(d) for d in shape.split("x")[1:]]
            assert info.dtype == {"float32": 1, "int64": 9}[dtype]
        for output in spec.outputs:
            assert definition.outputs[output].tensor_shape.dim[0].size == -1

    # The converter's own parity table: batches 1, 3, 8 against PyTorch (unless .onnx) and ONNX Runtime.
    report = read_report(version_dir)
    rows = report["parity"]["rows"]
    references = {"onnxruntime"} if fmt == "onnx" else {"pytorch", "onnxruntime"}
    assert {(r["batch"], r["reference"], r["output"]) for r in rows} == {
        (b, ref, out) for b in (1, 3, 8) for ref in references for out in spec.outputs}
    assert all(r["passed"] and r["max_abs"] <= 1e-4 + 1e-3 * 100 for r in rows)
    assert report["version"] == 1 and report["exporter"] in ("dynamo", "torchscript", "onnx-file")

    # Independent check at batch 5 against the eager PyTorch model.
    model = models.build(example)
    args = example_args(example, batch=5, seed=123)
    input_names = [t.split(":")[0] for t in spec.inputs]
    served = run_in_subprocess(version_dir, "predict", [{n: a.numpy() for n, a in zip(input_names, args)}])[0]
    with torch.no_grad():
        expected = model(*args)
    if isinstance(expected, dict):
        expected = [expected[k] for k in expected]
    elif isinstance(expected, torch.Tensor):
        expected = [expected]
    for output, reference in zip(spec.outputs, expected):
        assert served[output].shape == tuple(reference.shape)
        np.testing.assert_allclose(served[output], reference.numpy(), atol=1e-4, rtol=1e-3)
