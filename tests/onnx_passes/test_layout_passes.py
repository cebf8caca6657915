"""ConvertToNhwcPass + CancelTransposesPass (+ ExposeNhwcInputsPass): numbers unchanged after every pass
(onnxruntime on the original vs onnx's ReferenceEvaluator with the converter.nhwc reference ops, and our
TF translation), transposes drop as claimed, and none is left inside a chain of channels-last ops."""
from __future__ import annotations

import functools
import io

import numpy as np
import onnx
import onnx_ir as ir
import onnxruntime as ort
import onnxscript.optimizer
import pytest
import torch
import torch.nn.functional as F
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes._layout import NHWC_DOMAIN
from converter.onnx_passes._layout_ops import LAYOUT_OPS
from converter.onnx_passes.cancel_transposes import CancelTransposesPass, count_transposes
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from converter.onnx_passes.expose_nhwc_inputs import NHWC_INPUTS_KEY, ExposeNhwcInputsPass
from converter.onnx_passes.nhwc_reference import NHWC_REFERENCE_OPS


class ResidualCnn(torch.nn.Module):
    """conv/BN/ReLU/pool, a residual add, a concat, a channel softmax branch, a classifier head."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn0 = torch.nn.BatchNorm2d(8)
        self.conv1 = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.bn2 = torch.nn.BatchNorm2d(8)
        self.side = torch.nn.Conv2d(8, 4, 1)
        self.up = torch.nn.ConvTranspose2d(12, 6, 2, stride=2)
        self.head = torch.nn.Linear(6, 5)

    def forward(self, x):
        y = self.bn0(F.relu(self.stem(x)))                      # BN after ReLU: the exporter keeps it
        y = F.max_pool2d(y, 3, 2, 1)
        z = self.bn2(F.relu(self.conv2(F.relu(self.conv1(y)))))
        y = F.relu(z + y * 0.5)
        y = torch.cat([y, torch.softmax(self.side(y), dim=1)], dim=1)
        y = F.pad(y, (0, 1, 1, 0))
        y = F.avg_pool2d(y, 2, ceil_mode=True, count_include_pad=False)
        y = self.up(y)[:, :, 1:, :]
        return self.head(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class Cnn1d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(4, 8, 5, padding=2)
        self.bn = torch.nn.BatchNorm1d(8)
        self.c2 = torch.nn.Conv1d(8, 8, 3, dilation=2, padding=2)

    def forward(self, x):
        y = F.max_pool1d(self.bn(F.relu(self.c1(x))), 2)
        return (F.relu(self.c2(y)) + y).mean(dim=2)


class Cnn3d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv3d(2, 4, 3, padding=1)
        self.c2 = torch.nn.Conv3d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        y = F.avg_pool3d(F.relu(self.c1(x)), 2, ceil_mode=True)
        return torch.sigmoid(self.c2(y)).sum(dim=1, keepdim=True)


MODELS = {
    "residual_cnn": (ResidualCnn, (2, 3, 32, 32)),
    "cnn1d": (Cnn1d, (2, 4, 20)),
    "cnn3d": (Cnn3d, (2, 2, 7, 8, 8)),
}


@functools.lru_cache(maxsize=None)
def _export(name):
    cls, shape = MODELS[name]
    torch.manual_seed(0)
    module = cls().eval()
    for bn in [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]:
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2.0)
    x = torch.randn(*shape)
    buffer = io.BytesIO()
    torch.onnx.export(module, (x,), buffer, dynamo=True, opset_version=18, input_names=["x"],
                      output_names=["y"], dynamic_shapes=({0: torch.export.Dim("batch")},))
    # the pipeline folds constants first: F.pad's pads arrive as a Constant-fed subgraph otherwise
    model = onnxscript.optimizer.optimize(onnx.load_from_string(buffer.getvalue()))
    return onnx.shape_inference.infer_shapes(model), module


def _reference(model, x):
    return ReferenceEvaluator(model, new_ops=NHWC_REFERENCE_OPS).run(None, {"x": x})[0]


def _ort(model, x):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def _run_passes(model, passes):
    ir_model = ir.serde.deserialize_model(model)
    counts = []
    for graph_pass in passes:
        ir_model = graph_pass(ir_model).model
        counts.append(count_transposes(ir_model))
    return ir.serde.serialize_model(ir_model), counts


def _inner_transposes(model: onnx.ModelProto) -> list[str]:
    """Transposes with a channels-last (or layout-agnostic) op on both sides: there should be none."""
    producers = {o: n for n in model.graph.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    def region_op(n):
        return n is not None and (n.domain == NHWC_DOMAIN or (n.domain == "" and n.op_type in LAYOUT_OPS))

    outputs = {o.name for o in model.graph.output}
    inner = []
    for n in model.graph.node:
        if n.op_type != "Transpose":
            continue
        users = consumers.get(n.output[0], [])
        if region_op(producers.get(n.input[0])) and users and all(map(region_op, users)) and n.output[0] not in outputs:
            inner.append(n.name)
    return inner


@pytest.mark.parametrize("name", sorted(MODELS))
def test_layout_passes_preserve_results_and_cancel_transposes(name):
    model, module = _export(name)
    x = np.random.default_rng(1).standard_normal((3, *MODELS[name][1][1:])).astype(np.float32)  # batch 3 != 2
    expected = module(torch.from_numpy(x)).detach().numpy()
    # onnxruntime itself is no reference here: its ConstantFolding optimizer changes residual_cnn's result
    # by 0.019 (exact with optimizations off), so the original model runs in the reference evaluator.
    np.testing.assert_allclose(_reference(model, x), expected, rtol=1e-4, atol=1e-4)
    current = model
    counts = {}
    for graph_pass in (ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass()):
        current, (count,) = _run_passes(current, [graph_pass])
        counts[type(graph_pass).__name__] = count
        np.testing.assert_allclose(_reference(current, x), expected, rtol=1e-4, atol=1e-4,
                                   err_msg=f"after {type(graph_pass).__name__}")
    np.testing.assert_allclose(prepare(current).run([x])[0], expected, rtol=1e-4, atol=1e-4)
    wrapped, cancelled = counts["ConvertToNhwcPass"], counts["CancelTransposesPass"]
    n_nhwc = sum(1 for n in current.graph.node if n.domain == NHWC_DOMAIN)
    assert wrapped >= 2 * n_nhwc
    assert cancelled <= 3, f"{name}: {wrapped} transposes after wrapping, {cancelled} left"
    assert _inner_transposes(current) == []


def test_residual_cnn_keeps_one_transpose_at_the_input_and_none_in_the_body():
    model, _ = _export("residual_cnn")
    rewritten, counts = _run_passes(model, [ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass()])
    assert counts[1] > 15 and counts[2] == 1
    transpose = next(n for n in rewritten.graph.node if n.op_type == "Transpose")
    assert transpose.input[0] == "x"


@pytest.mark.parametrize("name", ["residual_cnn", "cnn3d"])
def test_expose_nhwc_inputs_removes_the_input_transpose(name):
    model, module = _export(name)
    rewritten, counts = _run_passes(model, [ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass(),
                                            ExposeNhwcInputsPass()])
    rank = len(MODELS[name][1])
    assert {p.key: p.value for p in rewritten.metadata_props}[NHWC_INPUTS_KEY] == "x"
    dims = [d.dim_value or d.dim_param for d in rewritten.graph.input[0].type.tensor_type.shape.dim]
    assert dims[-1] == MODELS[name][1][1]              # channels last in the signature
    assert counts[-1] == counts[-2] - 1
    x = np.random.default_rng(2).standard_normal((2, *MODELS[name][1][1:])).astype(np.float32)
    expected = module(torch.from_numpy(x)).detach().numpy()
    x_last = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    assert x_last.ndim == rank
    np.testing.assert_allclose(_reference(rewritten, x_last), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(prepare(rewritten).run([x_last])[0], expected, rtol=1e-4, atol=1e-4)


def test_convert_rewrites_conv_weights_once_into_tf_order():
    model, _ = _export("cnn3d")
    rewritten, _ = _run_passes(model, [ConvertToNhwcPass()])
    convs = [n for n in rewritten.graph.node if n.domain == NHWC_DOMAIN and n.op_type == "Conv"]
    weights = {i.name: i for i in rewritten.graph.initializer}
    for conv in convs:
        assert list(weights[conv.input[1]].dims)[-1] == 4          # [kD, kH, kW, C_in, C_out]
    assert not any(n.op_type == "Transpose" and n.input[0] in weights for n in rewritten.graph.node)


def _transpose_model(tail_nodes, outputs):
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 6])
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]), *tail_nodes]
    graph = helper.make_graph(nodes, "g", [x], [helper.make_empty_tensor_value_info(o) for o in outputs])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize("tail,outputs", [
    ([onnx.helper.make_node("Split", ["t"], ["a", "b", "c"], axis=3, num_outputs=3)], ["a", "b", "c"]),
    ([onnx.helper.make_node("Relu", ["t"], ["a"]), onnx.helper.make_node("Sigmoid", ["t"], ["b"])], ["a", "b"]),
], ids=["split", "fan_out_to_outputs"])
def test_cancel_never_adds_transposes(tail, outputs):
    model = _transpose_model(tail, outputs)
    rewritten, (count,) = _run_passes(model, [CancelTransposesPass()])
    assert count <= 1
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 6)).astype(np.float32)
    for before, after in zip(ReferenceEvaluator(model).run(None, {"x": x}),
                             ReferenceEvaluator(rewritten).run(None, {"x": x})):
        np.testing.assert_array_equal(before, after)


def test_unfolded_constants_are_relaid_out_like_initializers():
    """Old Caffe2-style exports compute per-channel scales as Unsqueeze(ConstantOfShape(...)): the
    region must still close around them (transposes left only at the graph input and output)."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(4)
    weights = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w1"),
               numpy_helper.from_array(rng.standard_normal((4, 4, 1, 1)).astype(np.float32), "w2"),
               numpy_helper.from_array(np.array([4], np.int64), "channels"),
               numpy_helper.from_array(np.array([1, 2], np.int64), "axes")]
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("ConstantOfShape", ["channels"], ["filled"],
                         value=numpy_helper.from_array(np.array([0.5], np.float32))),
        helper.make_node("Unsqueeze", ["filled", "axes"], ["scale"]),
        helper.make_node("Mul", ["c1", "scale"], ["scaled"]),
        helper.make_node("Relu", ["scaled"], ["r"]),
        helper.make_node("Conv", ["r", "w2"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    rewritten, counts = _run_passes(model, [ConvertToNhwcPass(), CancelTransposesPass()])
    assert counts == [4, 2] and _inner_transposes(rewritten) == []
    x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(_reference(rewritten, x), ReferenceEvaluator(model).run(None, {"x": x})[0],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(rewritten).run([x])[0], ReferenceEvaluator(model).run(None, {"x": x})[0],
                               rtol=1e-4, atol=1e-4)
