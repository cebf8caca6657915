"""An ONNX model as a tf.Module: large initializers as tf.Variables, the graph as a traced function."""
from __future__ import annotations

import onnx
import tensorflow as tf
from onnx import numpy_helper

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.preflight import model_opsets, preflight
from converter.tf_ops.registry import OpRegistry
from converter.tf_ops.translate import scope_name, translate_graph


class OnnxModule(tf.Module):
    """Holds the weights; `run(feeds)` translates the graph for the given input tensors.

    Call `run` inside a tf.function (autograph off) to get a graph, or eagerly for quick checks.
    """

    def __init__(self, model: onnx.ModelProto, registry: OpRegistry | None = None,
                 variable_threshold_bytes: int = 1024, external_data_dir: str = ""):
        super().__init__(name="onnx_model")
        if registry is None:
            from converter.tf_ops import load_default_registry
            registry = load_default_registry()
        preflight(model, registry)
        self._registry = registry
        self._graph = model.graph
        self._opsets = model_opsets(model)
        self._functions = {(f.domain, f.name): f for f in model.functions}
        self.weights: list[tf.Variable] = []     # tracked by tf.Module, saved under variables/
        self._weight_index: dict[str, int] = {}
        self._small_constants: dict = {}
        for initializer in model.graph.initializer:
            # external data (models > 2 GB) is read from beside the .onnx file, one tensor at a time
            array = numpy_helper.to_array(initializer, external_data_dir)
            if array.nbytes >= variable_threshold_bytes and array.dtype.kind in "fiub":
                self._weight_index[initializer.name] = len(self.weights)
                self.weights.append(tf.Variable(array, trainable=False, name=scope_name(initializer.name)))
            else:
                self._small_constants[initializer.name] = array
        initialized = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in initialized]
        self.output_names = [o.name for o in model.graph.output]

    @property
    def graph(self) -> onnx.GraphProto:
        return self._graph

    def run(self, feeds: dict, extra_outputs: tuple[str, ...] = ()) -> dict:
        """Translate the graph for `feeds` (ONNX input name -> tensor) and return outputs by ONNX name,
        plus any intermediate values named in `extra_outputs` (used to localise divergence)."""
        ctx = self.translate(feeds)
        return {name: ctx.lookup(name) for name in (*self.output_names, *extra_outputs)}

    def translate(self, feeds: dict) -> TranslationContext:
        ctx = TranslationContext(self._opsets, self._registry, functions=self._functions)
        for name, index in self._weight_index.items():
            ctx.bind(name, self.weights[index])
        for name, array in self._small_constants.items():
            ctx.bind(name, tf.constant(array))
        for name, value in feeds.items():
            ctx.bind(name, value)
        translate_graph(ctx, self._graph)
        return ctx
