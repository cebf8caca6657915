"""The adapter makes onnx-tf 1.10.0 import and work with the pinned onnx / TensorFlow (Keras 3)."""
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import tensorflow as tf
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from converter.backends import onnx_tf_adapter
from converter.backends.onnx_tf_backend import build_onnx_tf_module, onnx_tf_available
from converter.errors import BadInputError

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


def _pinned(package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)", REQUIREMENTS.read_text(), re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def test_onnx_tf_imports_with_the_pinned_onnx_and_tensorflow():
    backend = onnx_tf_adapter.import_onnx_tf()
    import onnx_tf
    assert onnx_tf.__version__ == "1.10.0"
    assert hasattr(backend, "prepare")
    assert onnx.__version__ == _pinned("onnx")
    assert tf.__version__ == _pinned("tensorflow")
    assert onnx_tf_available() == (True, "onnx-tf 1.10.0")


def test_onnx_mapping_shim_matches_the_numpy_types():
    onnx_tf_adapter.import_onnx_tf()
    from onnx import mapping
    assert mapping.TENSOR_TYPE_TO_NP_TYPE[TensorProto.FLOAT] == np.dtype("float32")
    assert mapping.TENSOR_TYPE_TO_NP_TYPE[TensorProto.INT64] == np.dtype("int64")
    assert mapping.TENSOR_TYPE_TO_NP_TYPE[TensorProto.BOOL] == np.dtype("bool")
    assert mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype("float16")] == TensorProto.FLOAT16
    assert mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype("uint8")] == TensorProto.UINT8
    storage = mapping.TENSOR_TYPE_TO_STORAGE_TENSOR_TYPE
    assert mapping.STORAGE_TENSOR_TYPE_TO_FIELD[storage[TensorProto.FLOAT]] == "float_data"
    assert mapping.STORAGE_TENSOR_TYPE_TO_FIELD[storage[TensorProto.INT64]] == "int64_data"
    assert mapping.STORAGE_TENSOR_TYPE_TO_FIELD[storage[TensorProto.FLOAT16]] == "int32_data"


def test_hardmax_shim_picks_the_first_maximum():
    logits = np.array([[1.0, 3.0, 3.0, 0.0], [-1.0, -2.0, -1.0, -5.0]], np.float32)
    expected = np.zeros_like(logits)
    expected[np.arange(2), np.argmax(logits, axis=-1)] = 1      # numpy argmax: first maximum, like ONNX
    np.testing.assert_array_equal(onnx_tf_adapter.hardmax(tf.constant(logits)).numpy(), expected)


def test_bernoulli_shim_is_exact_at_probabilities_zero_and_one():
    probs = tf.constant([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    sample = onnx_tf_adapter.Bernoulli(probs=probs, dtype=tf.float32).sample(seed=3)
    assert sample.dtype == tf.float32
    np.testing.assert_array_equal(sample.numpy(), probs.numpy())


@pytest.mark.parametrize("axis", [-1, 1])
def test_onnx_tf_hardmax_through_the_shim_matches_the_reference_evaluator(axis, tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("Hardmax", ["x"], ["y"], axis=axis)], "hardmax",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    module = build_onnx_tf_module(model, tmp_path)
    np.testing.assert_array_equal(module.run({"x": tf.constant(x)})["y"].numpy(), expected)


def test_missing_onnx_tf_gives_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(onnx_tf_adapter, "onnx_tf_installed", lambda: False)
    available, hint = onnx_tf_available()
    assert not available and "pip install --no-deps -r requirements-onnx-tf.txt" in hint
    model = helper.make_model(helper.make_graph([], "empty", [], []))
    with pytest.raises(BadInputError, match="requirements-onnx-tf.txt"):
        build_onnx_tf_module(model, tmp_path)


@pytest.mark.slow
def test_two_layer_lstms_of_two_models_in_one_process_match_onnxruntime(tmp_path):
    """The RNN shims: TF's legacy cells under Keras 3, and a fresh cell per node (onnx-tf cached the
    first cell on its handler class, so layer 2 and any later model reused layer 1's weights)."""
    import onnxruntime as ort
    import torch

    for seed, hidden in [(0, 6), (1, 5)]:
        torch.manual_seed(seed)
        lstm = torch.nn.LSTM(4, hidden, num_layers=2, batch_first=True).eval()
        path = tmp_path / f"lstm{seed}.onnx"
        torch.onnx.export(lstm, (torch.zeros(2, 7, 4),), str(path), input_names=["x"], output_names=["y", "h", "c"],
                          opset_version=11, dynamo=False)
        model = onnx.load(str(path))
        x = np.random.default_rng(seed).standard_normal((2, 7, 4)).astype(np.float32)
        expected = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})
        module = build_onnx_tf_module(model, tmp_path / f"work{seed}")
        actual = tf.function(module.run, autograph=False)({"x": tf.constant(x)})
        for name, value in zip(["y", "h", "c"], expected):
            np.testing.assert_allclose(actual[name].numpy(), value, rtol=1e-4, atol=1e-6)
