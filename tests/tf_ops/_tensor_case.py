"""Run one ONNX node through the translator in a tf.function whose inputs have a None batch dimension,
and through onnxruntime as the independent reference (shared by the tensor-op and Resize tests)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
from onnx import helper, numpy_helper

from converter.tf_ops.module import OnnxModule


def single_node_model(op_type: str, inputs: dict[str, np.ndarray], outputs: list[str], opset: int,
                      constants: dict[str, np.ndarray] | None = None, **attrs) -> onnx.ModelProto:
    """Graph inputs get a symbolic batch dim ("N"); `constants` become initializers (shape, axes, ...).
    An input named "" in `inputs` order is passed as an omitted optional input."""
    constants = constants or {}
    names = list(inputs) if not constants else list(inputs) + list(constants)
    node_inputs = attrs.pop("node_inputs", names)
    node = helper.make_node(op_type, node_inputs, outputs, **attrs)
    graph_inputs = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(a.dtype),
                                                  ["N", *a.shape[1:]] if a.ndim else [])
                    for name, a in inputs.items()]
    graph_outputs = [helper.make_empty_tensor_value_info(name) for name in outputs]
    initializers = [numpy_helper.from_array(np.asarray(a), name) for name, a in constants.items()]
    graph = helper.make_graph([node], op_type.lower(), graph_inputs, graph_outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return model


def run_translated(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Translate inside tf.function with input_signature [None, ...] (dynamic batch), then run."""
    feeds = [tf.constant(_utf8(a) if a.dtype == object else a) for a in inputs.values()]
    return [t.numpy() for t in _traced(model, inputs)(*feeds)]


def translated_op_counts(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> Counter:
    """How many TF ops of each type the translation writes (batch dimension None)."""
    return Counter(op.type for op in _traced(model, inputs).get_concrete_function().graph.get_operations())


def _traced(model: onnx.ModelProto, inputs: dict[str, np.ndarray]):
    module = OnnxModule(model)
    names = list(inputs)
    signature = [tf.TensorSpec([None, *a.shape[1:]] if a.ndim else [], tf.string if a.dtype == object else a.dtype)
                 for a in inputs.values()]

    @tf.function(input_signature=signature, autograph=False)
    def run(*args):
        outputs = module.run(dict(zip(names, args)))
        return [outputs[name] for name in module.output_names]

    return run


def _utf8(strings: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else s, otypes=[object])(strings)


def run_onnxruntime(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def assert_matches_onnxruntime(model, inputs, rtol=1e-5, atol=1e-6):
    expected = run_onnxruntime(model, inputs)
    actual = run_translated(model, inputs)
    assert len(actual) >= len(expected)
    for got, want in zip(actual, expected):
        assert got.shape == want.shape, (got.shape, want.shape)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
