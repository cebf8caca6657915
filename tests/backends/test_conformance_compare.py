"""run_case, the per-case judgement of scripts/compare_backends.py conformance, on small built cases."""
from types import SimpleNamespace

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.backends.conformance import run_case


def _case(model, inputs, outputs):
    return SimpleNamespace(name="case", model=model, data_sets=[(inputs, outputs)], rtol=1e-3, atol=1e-7)


def _model(op_type: str, opset: int, initializers=(), **attributes):
    inputs = ["x"] + [i.name for i in initializers]
    graph = helper.make_graph([helper.make_node(op_type, inputs, ["y"], **attributes)], "case",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


X = np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]], np.float32)


@pytest.mark.parametrize("backend", ["native", "onnx-tf"])
def test_a_right_answer_passes_and_a_wrong_one_fails(backend):
    model = _model("Relu", 14)
    assert run_case(backend, _case(model, [X], [np.maximum(X, 0)])) == ("pass", "")
    status, detail = run_case(backend, _case(model, [X], [np.maximum(X, 0) + 1]))
    assert status == "fail" and "AssertionError" in detail


def test_an_op_onnx_tf_cannot_take_is_unsupported_not_an_error():
    scale = numpy_helper.from_array(np.ones(3, np.float32), "scale")
    model = _model("LayerNormalization", 17, initializers=(scale,))
    mean = X.mean(-1, keepdims=True)
    expected = (X - mean) / np.sqrt(((X - mean) ** 2).mean(-1, keepdims=True) + 1e-5)
    status, detail = run_case("onnx-tf", _case(model, [X], [expected.astype(np.float32)]))
    assert status == "unsupported" and "LayerNormalization" in detail
    assert run_case("native", _case(model, [X], [expected.astype(np.float32)]))[0] == "pass"
