"""Run one ONNX node through the translator with a dynamic (None) leading dimension, in a
tf.function with an input_signature (as a SavedModel runs it), next to an independent reference:
onnxruntime, or onnx's ReferenceEvaluator for opsets onnxruntime does not implement yet."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
from onnx import helper
from onnx.reference import ReferenceEvaluator

from converter.tf_ops.module import OnnxModule


def single_node_model(op_type: str, inputs: dict, outputs: dict, opset: int, **attrs) -> onnx.ModelProto:
    """`inputs`: name -> array (its dtype; the first axis becomes dynamic); `outputs`: name -> ONNX
    element type (UNDEFINED: the first input's). An input named "" is an omitted optional input."""
    first_type = _elem_type(next(iter(inputs.values())))
    outputs = {name: elem or first_type for name, elem in outputs.items()}
    node = helper.make_node(op_type, list(inputs), list(outputs), **attrs)
    graph_inputs = [helper.make_tensor_value_info(name, _elem_type(a), [None, *np.shape(a)[1:]] if np.ndim(a) else [])
                    for name, a in inputs.items() if name]
    graph_outputs = [helper.make_tensor_value_info(name, elem, None) for name, elem in outputs.items()]
    graph = helper.make_graph([node], op_type.lower(), graph_inputs, graph_outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10 if opset <= 23 else model.ir_version   # onnxruntime 1.31 reads IR <= 11
    return model


def run_translated(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    module = OnnxModule(model)
    arrays = [np.asarray(feeds[name]) for name in module.input_names]
    signature = [tf.TensorSpec([None, *a.shape[1:]] if a.ndim else [], _tf_dtype(a)) for a in arrays]

    def call(*tensors):
        results = module.run(dict(zip(module.input_names, tensors)))
        return [results[name] for name in module.output_names]

    function = tf.function(call, input_signature=signature, autograph=False)
    outputs = function(*[tf.constant(a.astype(bytes) if a.dtype.kind in "UO" else a) for a in arrays])
    return [_to_numpy(o) for o in outputs]


def run_reference(model: onnx.ModelProto, feeds: dict, engine: str = "ort") -> list[np.ndarray]:
    if engine == "ort":
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return session.run(None, feeds)
    return [np.asarray(o) for o in ReferenceEvaluator(model).run(None, feeds)]


def assert_matches(op_type: str, inputs: dict, outputs: dict, opset: int, engine: str = "ort",
                   rtol: float = 1e-5, atol: float = 1e-6, **attrs) -> list[np.ndarray]:
    model = single_node_model(op_type, inputs, outputs, opset, **attrs)
    feeds = {name: a for name, a in inputs.items() if name}
    got = run_translated(model, feeds)
    expected = run_reference(model, feeds, engine)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape, (g.shape, e.shape)
        if e.dtype.kind in "UO":
            np.testing.assert_array_equal(g.astype(str), e.astype(str))
            continue
        assert g.dtype == e.dtype, (g.dtype, e.dtype)
        np.testing.assert_allclose(g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol)
    return got


def _elem_type(array) -> int:
    array = np.asarray(array)
    if array.dtype.kind in "UO":
        return onnx.TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(array.dtype)


def _tf_dtype(array: np.ndarray) -> tf.DType:
    return tf.string if array.dtype.kind in "UO" else tf.as_dtype(array.dtype)


def _to_numpy(tensor) -> np.ndarray:
    array = tensor.numpy()
    if array.dtype.kind == "O":
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(array)
    return array
