"""Every node of an ONNX graph, subgraphs included (If branches, Loop/Scan bodies), and the op histogram."""
from __future__ import annotations

from collections import Counter
from typing import Callable

import onnx


def iter_nodes(graph: onnx.GraphProto):
    """Every node of the graph and of its subgraphs, depth first."""
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from iter_nodes(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from iter_nodes(subgraph)


def op_histogram(model, key: Callable = lambda node: node.op_type) -> Counter:
    """Node count per op type (or per `key(node)`), subgraphs included. `model` is an onnx.ModelProto or an
    onnx_ir Model (the passes count between rewrites without serialising)."""
    if isinstance(model, onnx.ModelProto):
        return Counter(key(node) for node in iter_nodes(model.graph))
    import onnx_ir as ir

    return Counter(key(node) for node in ir.traversal.RecursiveGraphIterator(model.graph))


def weight_bytes_of(model: onnx.ModelProto) -> int:
    """Bytes of the model's weights: initializers (inline, or the length of their external data) and
    Constant nodes' tensors, subgraphs included."""
    def size(tensor: onnx.TensorProto) -> int:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            return int(next((e.value for e in tensor.external_data if e.key == "length"), 0) or 0)
        return tensor.ByteSize()
    constants = (a.t for node in iter_nodes(model.graph) if node.op_type == "Constant"
                 for a in node.attribute if a.name == "value")
    return sum(map(size, model.graph.initializer)) + sum(map(size, constants))
