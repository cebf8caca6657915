"""TorchScript control flow (a data-dependent loop count, an if/else on a value) exported with the
TorchScript exporter (dynamo=False) at opset 17 becomes ONNX Loop / If; the translation must follow
the same paths as torch on inputs that take different branches and trip counts."""
import io
from typing import List

import numpy as np
import onnx
import pytest
import torch

import converter.backend as backend
from tests.tf_ops._dynamic_batch import run_dynamic

pytestmark = pytest.mark.slow      # TorchScript exports through the whole pipeline


class RepeatUntilLarge(torch.nn.Module):
    """Doubles x (plus a learned bias) until its mean exceeds a threshold: the trip count depends on x."""

    def __init__(self):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.tensor([0.5, -0.25, 1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = 0
        while bool(x.mean() < 10.0) and steps < 20:
            x = x * 2.0 + self.bias
            steps += 1
        return x * float(steps + 1)


class SignDependent(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            y = torch.relu(x) * 3.0
        else:
            y = torch.tanh(x) - 1.0
        for i in range(int(x.shape[0])):          # loop over the (dynamic) batch
            y = y + float(i)
        return y


class CollectColumns(torch.nn.Module):
    """Appends to a Python list in a loop over a dynamic width, then stacks: SequenceInsert in a Loop,
    then ConcatFromSequence on a sequence whose length is only known at run time."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        columns: List[torch.Tensor] = []
        for i in range(int(x.shape[1])):
            columns.append(x[:, i] * float(i + 1))
        return torch.stack(columns, dim=1)


def _export(module: torch.nn.Module, example: torch.Tensor) -> onnx.ModelProto:
    buffer = io.BytesIO()
    dynamic = {0: "batch", 1: "width"}                      # both dimensions dynamic in the ONNX model
    torch.onnx.export(torch.jit.script(module), (example,), buffer, dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": dynamic, "y": dynamic})
    return onnx.load_from_string(buffer.getvalue())


def _op_types(graph: onnx.GraphProto) -> set:
    found = set()
    for node in graph.node:
        found.add(node.op_type)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                found |= _op_types(attribute.g)
    return found


@pytest.mark.parametrize("module,expected_ops", [(RepeatUntilLarge(), {"Loop"}), (SignDependent(), {"If", "Loop"}),
                                                 (CollectColumns(), {"Loop", "SequenceInsert", "ConcatFromSequence"})])
def test_scripted_control_flow_matches_torch(module, expected_ops):
    module.eval()
    model = _export(module, torch.ones(2, 3))
    assert expected_ops <= _op_types(model.graph)
    rep = backend.prepare(model)
    rng = np.random.default_rng(0)
    inputs = [np.full((2, 3), 0.1, np.float32),           # many iterations
              np.full((4, 3), 50.0, np.float32),          # no iteration / positive branch
              -np.abs(rng.standard_normal((3, 3))).astype(np.float32),   # negative branch
              rng.uniform(0, 3, (1, 3)).astype(np.float32)]
    if isinstance(module, CollectColumns):                  # the width is the trip count here
        inputs += [rng.standard_normal((2, 7)).astype(np.float32), np.ones((3, 1), np.float32)]
    for x in inputs:
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        (got,) = rep.run([x])                                 # traced for this shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        (got_dynamic,) = run_dynamic(model, {"x": x}, {"x": [None, None]})   # traced once, dims unknown
        np.testing.assert_allclose(got_dynamic, expected, rtol=1e-5, atol=1e-5)


def test_control_flow_survives_saved_model_export(tmp_path):
    """The If and the batch-dependent Loop work through a SavedModel signature (as TF Serving runs it)."""
    import tensorflow as tf

    module = SignDependent().eval()
    rep = backend.prepare(_export(module, torch.ones(2, 3)))
    rep.export_saved_model(str(tmp_path / "model"))
    signature = tf.saved_model.load(str(tmp_path / "model")).signatures["serving_default"]
    (input_name,) = signature.structured_input_signature[1]
    for x in (np.full((2, 3), 0.5, np.float32), -np.ones((5, 3), np.float32)):
        (got,) = signature(**{input_name: tf.constant(x)}).values()
        with torch.no_grad():
            np.testing.assert_allclose(got.numpy(), module(torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-5)
