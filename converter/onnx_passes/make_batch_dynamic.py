"""MakeBatchDynamicPass: dimension 0 of every graph input and output becomes the symbol `batch`.

Whichever exporter made the graph (or a user's own .onnx with a fixed batch), the SavedModel signature
then gets a -1 batch. Reshape targets that the exporter baked with the example batch in position 0 are
the classic trap (the signature says -1, the graph only runs at one batch size): where the Reshape's
data input is known to carry the batch in dim 0, its constant target's first entry becomes 0
("copy dim 0 from the input"), which is exact for any batch.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir
from onnx_ir.passes.common import ShapeInferencePass

__all__ = ["MakeBatchDynamicPass"]

logger = logging.getLogger(__name__)


class MakeBatchDynamicPass(ir.passes.InPlacePass):
    def __init__(self, batch_dim_name: str = "batch", extra_axes: tuple[tuple[str, int, str], ...] = ()):
        super().__init__()
        self.batch_dim_name = batch_dim_name
        self.extra_axes = extra_axes        # (input or output name, axis, symbol), from --dynamic-axis

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        example_batches: set[int] = set()
        modified = False
        for value in [*graph.inputs, *graph.outputs]:
            if value.is_initializer() or value.shape is None or len(value.shape) == 0:
                continue
            first = value.shape[0]
            if isinstance(first, int):
                example_batches.add(first)
            if not (isinstance(first, ir.SymbolicDim) and first.value == self.batch_dim_name):
                value.shape = ir.Shape([self.batch_dim_name, *value.shape[1:]])
                modified = True
        modified |= self._apply_extra_axes(graph)
        if modified:
            model = _reinfer_shapes(model)
            if self._free_reshape_targets(model.graph, example_batches):
                model = _reinfer_shapes(model)
        return ir.passes.PassResult(model, modified)

    def _apply_extra_axes(self, graph: ir.Graph) -> bool:
        by_name = {v.name: v for v in [*graph.inputs, *graph.outputs]}
        modified = False
        for name, axis, symbol in self.extra_axes:
            value = by_name.get(name)
            if value is None or value.shape is None or axis >= len(value.shape):
                logger.warning("--dynamic-axis %s:%d: no such input/output axis in the graph; ignored", name, axis)
                continue
            dims = list(value.shape)
            dims[axis] = symbol
            value.shape = ir.Shape(dims)
            modified = True
        return modified

    def _free_reshape_targets(self, graph: ir.Graph, example_batches: set[int]) -> bool:
        modified = False
        for node in ir.traversal.RecursiveGraphIterator(graph):
            if node.op_type != "Reshape" or node.domain not in ("", "ai.onnx") or len(node.inputs) < 2:
                continue
            data, target = node.inputs[0], node.inputs[1]
            allowzero = node.attributes.get("allowzero")
            shape = _constant_array(target)
            if (allowzero is not None and allowzero.as_int()) or shape is None:
                continue
            if not _dim0_is_batch(data, self.batch_dim_name):
                continue
            if shape.ndim == 1 and shape.size and shape[0] in example_batches and shape[0] > 0:
                new_shape = shape.copy()
                new_shape[0] = 0
                new_value = ir.Value(name=f"{target.name}_dynamic_batch",
                                     const_value=ir.tensor(new_shape.astype(np.int64), name=f"{target.name}_dynamic_batch"))
                graph.register_initializer(new_value)
                node.replace_input_with(1, new_value)
                logger.info("Reshape %s: target %s pinned the batch; now copies dim 0 from its input",
                            node.name, shape.tolist())
                modified = True
        return modified


def _dim0_is_batch(value: ir.Value | None, batch_dim_name: str) -> bool:
    if value is None or value.shape is None or len(value.shape) == 0:
        return False
    first = value.shape[0]
    return isinstance(first, ir.SymbolicDim) and first.value == batch_dim_name


def _constant_array(value: ir.Value | None) -> np.ndarray | None:
    """The value of an initializer or of a Constant node's output, else None."""
    if value is None:
        return None
    if value.const_value is not None:
        return value.const_value.numpy()
    producer = value.producer()
    if producer is not None and producer.op_type == "Constant" and "value" in producer.attributes:
        return producer.attributes["value"].as_tensor().numpy()
    return None


def _reinfer_shapes(model: ir.Model) -> ir.Model:
    """Shapes inferred for the example batch would contradict the symbolic one: clear and infer again.
    Graph outputs keep their declared symbolic dims (inference may only refine the others)."""
    graph = model.graph
    declared = {id(v): v.shape for v in graph.outputs}
    inputs = {id(v) for v in graph.inputs}
    for node in ir.traversal.RecursiveGraphIterator(graph):
        for output in node.outputs:
            if id(output) not in inputs:
                output.shape = None
    model = ShapeInferencePass().call(model).model
    for value in model.graph.outputs:
        shape = declared.get(id(value))
        if shape is not None:
            value.shape = shape
    return model
