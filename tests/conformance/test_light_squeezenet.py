"""The `light` squeezenet case, checked where it is well-conditioned.

Its weights are constants (ConstantOfShape), so every output channel of the last convolution computes the same
sum and the 1000 logits are all equal, at ~9.5e9. The official case compares the Softmax of those logits: any
per-channel rounding difference of the convolution kernels (a few float32 ulps: the ulp at 1e10 is 1024) becomes
a visible difference in the Softmax. ONNX Runtime and TF's oneDNN kernels round every channel alike; Eigen's
(TF's default on a CPU without AVX-512) do not. So the case is excluded from the suite's run
(tests/conformance/exclusions.py) and checked here on the logits, against ONNX Runtime, within float32 noise.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper

import converter.backend as tf_backend

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_squeezenet.onnx"


def _with_logits_output(model: onnx.ModelProto) -> tuple[onnx.ModelProto, str]:
    """The model with its Softmax's input (the logits) as its output instead."""
    softmax = next(n for n in model.graph.node if n.op_type == "Softmax")
    logits = helper.make_tensor_value_info(softmax.input[0], onnx.TensorProto.FLOAT, [1, 1000, 1, 1])
    model.graph.node.remove(softmax)
    del model.graph.output[:]
    model.graph.output.append(logits)
    return model, softmax.input[0]


@pytest.mark.slow
def test_light_squeezenet_logits_match_onnxruntime_within_float32_noise():
    model, name = _with_logits_output(onnx.load(LIGHT))
    batch = np.random.default_rng(0).uniform(0, 1, (1, 3, 224, 224)).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"data_0": batch})
    (ours,) = tf_backend.prepare(model).run([batch])

    assert np.asarray(ours).shape == expected.shape == (1, 1000, 1, 1)
    scale = float(np.abs(expected).max())
    assert scale > 1e9                                          # why the Softmax of these is ill-conditioned
    assert np.ptp(expected) <= 1e-6 * scale                     # ...and the logits all (nearly) equal
    assert np.abs(np.asarray(ours) - expected).max() <= 1e-6 * scale
