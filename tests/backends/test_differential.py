"""Differential test on the example models: native and onnx-tf SavedModels (run as TF Serving runs
them) against ONNX Runtime and against each other, at two batch sizes other than the export's."""
import numpy as np
import pytest
import torch

from converter.backends.differential import compare_backends, export_torch_model
from converter.config import InputSpec
from examples.models import EXAMPLES, build

pytestmark = pytest.mark.slow      # both backends convert and run the example models

PAIRS = ("native vs onnxruntime", "onnx-tf vs onnxruntime", "onnx-tf vs native")


def _example(name: str, tmp_path):
    spec = EXAMPLES[name]
    inputs = [InputSpec.parse(text) for text in spec.inputs]
    args = tuple(torch.zeros(s.shape, dtype=getattr(torch, s.dtype)) for s in inputs)
    model = export_torch_model(build(name), args, [s.name for s in inputs], list(spec.outputs),
                               tmp_path / f"{name}.onnx")
    rng = np.random.default_rng(0)

    def feeds(batch):
        values = {}
        for s in inputs:
            shape = (batch, *s.shape[1:])
            low, high = spec.input_ranges.get(s.name, (0, 2))
            values[s.name] = (rng.standard_normal(shape).astype(s.dtype) if s.dtype.startswith("float")
                              else rng.integers(low, high, shape).astype(s.dtype))
        return values
    return model, {1: feeds(1), 3: feeds(3)}


@pytest.mark.parametrize("name", ["TinyResNet", "TwoInTwoOut"])
def test_both_backends_agree_with_onnxruntime_and_each_other(name, tmp_path):
    model, feeds = _example(name, tmp_path)
    result = compare_backends(model, feeds, tmp_path / "work", atol=1e-5, rtol=1e-4, model_name=name)
    assert {n: r.error for n, r in result.runs.items()} == {"native": "", "onnx-tf": ""}
    for pair in PAIRS:
        rows = [d for d in result.diffs if d.reference == pair]
        assert len(rows) == 2 * len(EXAMPLES[name].outputs), pair         # every output at both batches
        assert all(d.passed for d in rows), [d for d in rows if not d.passed]
    assert all(r.convert_seconds > 0 for r in result.runs.values())


def test_transformer_is_refused_by_onnx_tf_with_the_blocking_ops_named(tmp_path):
    model, feeds = _example("TinyTransformerEncoder", tmp_path)
    result = compare_backends(model, feeds, tmp_path / "work", backends=("onnx-tf",))
    error = result.runs["onnx-tf"].error
    assert error.startswith("UnsupportedOpsError") and "LayerNormalization (opset 17" in error
    assert result.passed("onnx-tf vs onnxruntime") is None                   # nothing to compare
