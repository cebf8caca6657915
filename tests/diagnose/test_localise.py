"""Divergence localisation: a deliberately wrong op translation, injected into a copy of the registry,
is found at the right node; correct translations show no divergent node."""
from __future__ import annotations

import json

import numpy as np
import tensorflow as tf
from onnx import TensorProto, helper, numpy_helper

from converter.diagnose import localise_divergence, write_diagnosis
from converter.tf_ops import load_default_registry


def _chain_model():
    """x -> MatMul -> Add -> Relu -> Sigmoid -> Mul(2) -> y, with readable node names."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((6, 5)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.standard_normal(5).astype(np.float32), "b"),
             numpy_helper.from_array(np.array(2.0, np.float32), "two")]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["mm"], name="dense/MatMul"),
             helper.make_node("Add", ["mm", "b"], ["biased"], name="dense/Add"),
             helper.make_node("Relu", ["biased"], ["act"], name="act/Relu"),
             helper.make_node("Sigmoid", ["act"], ["gate"], name="gate/Sigmoid"),
             helper.make_node("Mul", ["gate", "two"], ["y"], name="scale/Mul")]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _feeds():
    return {"x": np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)}


def test_correct_translation_has_no_divergent_node():
    diagnosis = localise_divergence(_chain_model(), _feeds(), load_default_registry(), 1e-4, 1e-3)
    assert [n.op_type for n in diagnosis.nodes] == ["MatMul", "Add", "Relu", "Sigmoid", "Mul"]
    assert diagnosis.divergent == []
    assert max(n.max_abs for n in diagnosis.nodes) < 1e-5


def test_wrong_translation_is_localised_to_its_node(tmp_path):
    registry = load_default_registry().copy()
    newest = max(registry.versions("Sigmoid"))
    registry.override("Sigmoid", newest, lambda ctx, node: [tf.sigmoid(node.inputs[0]) * 1.01])
    diagnosis = localise_divergence(_chain_model(), _feeds(), registry, 1e-4, 1e-3)
    first = diagnosis.divergent[0]
    assert (first.node, first.op_type, first.output) == ("gate/Sigmoid", "Sigmoid", "gate")
    assert first.input_shapes == ((4, 5),)
    # Nodes before it match; the error propagates to the node after it.
    assert all(n.passed for n in diagnosis.nodes[:3])
    assert [n.node for n in diagnosis.divergent] == ["gate/Sigmoid", "scale/Mul"]
    expected_gap = float(np.max(np.abs(0.01 / (1 + np.exp(-np.maximum(
        _feeds()["x"] @ numpy_helper.to_array(_chain_model().graph.initializer[0])
        + numpy_helper.to_array(_chain_model().graph.initializer[1]), 0))))))
    assert abs(first.max_abs - expected_gap) < 1e-5
    json_path, png_path = write_diagnosis(diagnosis, tmp_path)
    written = json.loads(json_path.read_text())
    assert written["first_divergent"]["node"] == "gate/Sigmoid"
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_torch_module_is_reported_from_exporter_metadata(tmp_path):
    import torch

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(6, 5)
            self.gate = torch.nn.Sigmoid()

        def forward(self, x):
            return self.gate(self.proj(x)) * 2

    model = torch.onnx.export(Block().eval(), (torch.randn(2, 6),), dynamo=True, input_names=["x"],
                              output_names=["y"], verbose=False).model_proto
    registry = load_default_registry().copy()
    registry.override("Sigmoid", max(registry.versions("Sigmoid")), lambda ctx, node: [tf.sigmoid(node.inputs[0]) + 0.1])
    diagnosis = localise_divergence(model, {"x": _feeds()["x"][:2]}, registry, 1e-4, 1e-3)
    first = diagnosis.divergent[0]
    assert first.op_type == "Sigmoid"
    assert first.torch_module.startswith("gate") and "Sigmoid" in first.torch_module
    assert first.source_line.endswith(".py:" + first.source_line.rsplit(":", 1)[1])
