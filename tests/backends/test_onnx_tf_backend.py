"""build_onnx_tf_module: opset down-conversion, clear refusals, and numbers that match ONNX Runtime."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import tensorflow as tf
import torch
from onnx import TensorProto, helper, numpy_helper

from converter.backends.onnx_tf_backend import (SAVED_MODEL_DIRNAME, build_onnx_tf_module, choose_target_opset,
                                                downconvert_for_onnx_tf)
from converter.errors import UnsupportedModelError, UnsupportedOpsError

IR_VERSION = 10              # onnx 1.23 writes IR 14 by default; onnxruntime 1.31 reads up to 13


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        y = torch.nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        y = torch.nn.functional.adaptive_avg_pool2d(y, 4)
        return torch.softmax(self.fc(torch.flatten(y, 1)), -1)


def _ort(model: onnx.ModelProto, feeds: dict) -> list:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _run_graph_mode(module, feeds: dict) -> dict:
    run = tf.function(module.run, autograph=False)
    return {k: v.numpy() for k, v in run({k: tf.constant(v) for k, v in feeds.items()}).items()}


@pytest.fixture(scope="module")
def cnn_opset13(tmp_path_factory) -> onnx.ModelProto:
    torch.manual_seed(0)
    model = SmallCnn().eval()
    model.bn.running_mean.uniform_(-0.5, 0.5)
    model.bn.running_var.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("cnn") / "cnn.onnx"
    torch.onnx.export(model, (torch.zeros(2, 3, 16, 16),), str(path), input_names=["input.1"],
                      output_names=["onnx::probs"], dynamic_axes={"input.1": {0: "batch"}}, opset_version=13,
                      dynamo=False)
    return onnx.load(str(path))


def test_cnn_at_opset13_matches_onnxruntime_at_two_batch_sizes(cnn_opset13, tmp_path):
    assert cnn_opset13.opset_import[0].version == 13
    module = build_onnx_tf_module(cnn_opset13, tmp_path)
    assert (tmp_path / SAVED_MODEL_DIRNAME / "saved_model.pb").exists()
    assert module.input_names == ["input.1"] and module.output_names == ["onnx::probs"]
    rng = np.random.default_rng(1)
    for batch in (1, 4):
        x = rng.standard_normal((batch, 3, 16, 16)).astype(np.float32)
        actual = _run_graph_mode(module, {"input.1": x})["onnx::probs"]
        np.testing.assert_allclose(actual, _ort(cnn_opset13, {"input.1": x})[0], rtol=1e-4, atol=1e-6)


def test_a_wrapper_saved_around_the_module_keeps_working_after_reload(cnn_opset13, tmp_path):
    module = build_onnx_tf_module(cnn_opset13, tmp_path / "work")

    class Wrapper(tf.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        @tf.function(input_signature=[tf.TensorSpec([None, 3, 16, 16], tf.float32)], autograph=False)
        def serve(self, x):
            return {"probs": self.inner.run({"input.1": x})["onnx::probs"]}

    wrapper = Wrapper(module)
    tf.saved_model.save(wrapper, str(tmp_path / "wrapped"), signatures={"serving_default": wrapper.serve})
    del wrapper, module
    loaded = tf.saved_model.load(str(tmp_path / "wrapped"))
    x = np.random.default_rng(2).standard_normal((3, 3, 16, 16)).astype(np.float32)
    actual = loaded.signatures["serving_default"](x=tf.constant(x))["probs"].numpy()
    np.testing.assert_allclose(actual, _ort(cnn_opset13, {"input.1": x})[0], rtol=1e-4, atol=1e-6)


def _opset18_reduce_model(noop_with_empty_axes: int = 0) -> onnx.ModelProto:
    """x - mean(x, axis 2), normalised by the root of ReduceSumSquare, then Softmax: axes as inputs (opset 18)."""
    axes = numpy_helper.from_array(np.array([2], np.int64), "axes")
    nodes = [helper.make_node("ReduceMean", ["x", "axes"], ["mean"], keepdims=1,
                              noop_with_empty_axes=noop_with_empty_axes),
             helper.make_node("Sub", ["x", "mean"], ["centred"]),
             helper.make_node("ReduceSumSquare", ["centred", "axes"], ["square"], keepdims=1),
             helper.make_node("Sqrt", ["square"], ["norm"]),
             helper.make_node("Div", ["centred", "norm"], ["scaled"]),
             helper.make_node("Softmax", ["scaled"], ["y"], axis=-1)]
    graph = helper.make_graph(nodes, "reduce18", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4, 6])], [axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=IR_VERSION)
    onnx.checker.check_model(model, full_check=True)
    return model


def test_opset18_model_is_down_converted_and_matches_onnxruntime(tmp_path):
    model = _opset18_reduce_model()
    assert choose_target_opset(model) == 15
    converted = downconvert_for_onnx_tf(model)
    assert converted.opset_import[0].version == 15
    mean = next(n for n in converted.graph.node if n.op_type == "ReduceMean")
    assert [a.name for a in mean.attribute if a.name != "keepdims"] == ["axes"]   # input became attribute
    onnx.checker.check_model(converted, full_check=True)
    x = np.random.default_rng(3).standard_normal((3, 4, 6)).astype(np.float32)
    actual = _run_graph_mode(build_onnx_tf_module(model, tmp_path), {"x": x})["y"]
    np.testing.assert_allclose(actual, _ort(model, {"x": x})[0], rtol=1e-5, atol=1e-6)


def test_torch_dynamo_export_at_opset18_converts(cnn_opset13, tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "cnn18.onnx"
    torch.onnx.export(SmallCnn().eval(), (torch.zeros(2, 3, 16, 16),), str(path), input_names=["x"],
                      output_names=["probs"], dynamo=True, verbose=False)
    model = onnx.load(str(path))
    assert model.opset_import[0].version >= 18
    x = np.random.default_rng(4).standard_normal((2, 3, 16, 16)).astype(np.float32)
    actual = _run_graph_mode(build_onnx_tf_module(model, tmp_path / "work"), {"x": x})["probs"]
    np.testing.assert_allclose(actual, _ort(model, {"x": x})[0], rtol=1e-4, atol=1e-6)


def test_squeeze13_is_taken_down_to_opset12_where_onnx_tf_implements_it(tmp_path):
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    graph = helper.make_graph([helper.make_node("Squeeze", ["x", "axes"], ["y"])], "squeeze",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], [axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=IR_VERSION)
    assert choose_target_opset(model) == 12          # onnx-tf 1.10.0 has Squeeze 1 and 11, not 13
    x = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    np.testing.assert_array_equal(_run_graph_mode(build_onnx_tf_module(model, tmp_path), {"x": x})["y"],
                                  x.reshape(2, 3))


def _single_op_model(op_type: str, opset: int, domain: str = "", inputs=("x",), initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node(op_type, list(inputs), ["y"], domain=domain)], "one",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], list(initializers))
    opsets = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets)


def test_an_op_onnx_tf_lacks_is_named_in_the_error(tmp_path):
    with pytest.raises(UnsupportedOpsError, match=r"unsupported ONNX ops: Unique \(opset 11, 1 node\).*onnx-tf"):
        build_onnx_tf_module(_single_op_model("Unique", 13), tmp_path)


def test_an_op_newer_than_opset15_is_named_in_the_error(tmp_path):
    scale = numpy_helper.from_array(np.ones(4, np.float32), "scale")
    model = _single_op_model("LayerNormalization", 17, inputs=("x", "scale"), initializers=(scale,))
    with pytest.raises(UnsupportedOpsError, match=r"LayerNormalization \(opset 17, 1 node\).*no down-conversion"):
        build_onnx_tf_module(model, tmp_path)


def test_a_custom_domain_op_is_named_in_the_error(tmp_path):
    with pytest.raises(UnsupportedOpsError, match=r"com\.example::Frobnicate"):
        build_onnx_tf_module(_single_op_model("Frobnicate", 13, domain="com.example"), tmp_path)


def test_an_attribute_the_old_opset_cannot_express_is_refused():
    with pytest.raises(UnsupportedModelError, match="noop_with_empty_axes"):
        downconvert_for_onnx_tf(_opset18_reduce_model(noop_with_empty_axes=1))
