"""The translator as an `onnx.backend.base.Backend`, so the official ONNX backend tests run against it.

    import converter.backend
    onnx.backend.test.BackendTest(converter.backend, __name__)

`prepare(model)` translates once (graph mode, as the SavedModel runs) and returns a rep whose `run`
executes the TF translation and whose `export_saved_model` writes a SavedModel.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
import tensorflow as tf
from onnx.backend.base import Backend, BackendRep, namedtupledict

from converter.tf_ops.module import OnnxModule
from converter.tf_ops.registry import OpRegistry


class TfBackendRep(BackendRep):
    def __init__(self, model: onnx.ModelProto, registry: OpRegistry | None = None):
        self.model = model
        self.module = OnnxModule(model, registry)
        self._function = tf.function(self._run_graph, autograph=False)

    def _run_graph(self, feeds):
        return self.module.run(feeds)

    def run(self, inputs: Any, **kwargs) -> tuple:
        if isinstance(inputs, dict):
            feeds = dict(inputs)
        else:
            if not isinstance(inputs, (list, tuple)):
                inputs = [inputs]
            feeds = dict(zip(self.module.input_names, inputs))
        feeds = {name: _to_tf(value) for name, value in feeds.items()}
        outputs = self._function(feeds)
        names = self.module.output_names
        return namedtupledict("Outputs", _field_names(names))(*[_to_numpy(outputs[n]) for n in names])

    def export_saved_model(self, path: str, signature: str = "serving_default") -> None:
        from converter.savedmodel import export_saved_model
        export_saved_model(self.module, self.model, path, signature_names=(signature,))


class TfBackend(Backend):
    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs) -> TfBackendRep:
        super().prepare(model, device, **kwargs)
        return TfBackendRep(model, kwargs.get("registry"))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Sequence, device: str = "CPU",
                 outputs_info=None, **kwargs):
        """Run one node by wrapping it in a model whose inputs take the given arrays."""
        opset = kwargs.get("opset_version", onnx.defs.onnx_opset_version())
        arrays = [np.asarray(a) for a in inputs]
        graph_inputs = [onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
                        for name, a in zip(node.input, arrays) if name]
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(name) for name in node.output if name]
        graph = onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid(node.domain, opset)])
        return cls.run_model(model, [a for name, a in zip(node.input, arrays) if name], device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper().startswith("CPU")


def _to_tf(value):
    if isinstance(value, (list, tuple)):                  # an ONNX sequence
        return [_to_tf(v) for v in value]
    if value is None:                                     # an empty optional
        return None
    array = np.asarray(value)
    if array.dtype.kind in "OUS":
        return tf.constant(array.astype(object).astype(bytes) if array.dtype.kind == "U" else array, tf.string)
    return tf.constant(array)


def _to_numpy(value):
    if hasattr(value, "to_python_value"):   # run-time-length sequence / run-time optional (tf_ops/sequence.py)
        value = value.to_python_value()
    if isinstance(value, (list, tuple)):
        return [_to_numpy(v) for v in value]
    if value is None:
        return None
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)   # 0-d stays an ndarray
    if array.dtype.kind in "OS":                          # TF strings come back as bytes (scalars as |S)
        return np.vectorize(lambda b: b.decode("utf-8") if isinstance(b, bytes) else b, otypes=[object])(array)
    return array


def _field_names(names: list[str]) -> list[str]:
    return [n if n.isidentifier() else f"output_{i}" for i, n in enumerate(names)]


prepare = TfBackend.prepare
run_model = TfBackend.run_model
run_node = TfBackend.run_node
supports_device = TfBackend.supports_device
