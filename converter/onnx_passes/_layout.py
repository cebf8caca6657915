"""Small onnx_ir helpers shared by the padding and layout passes: attributes, constants, permutations,
and rewiring a value's consumers."""
from __future__ import annotations

import itertools

import numpy as np
import onnx_ir as ir

from converter.tf_ops.nhwc import NHWC_DOMAIN

__all__ = ["NHWC_DOMAIN", "to_last", "to_first", "inverse", "compose", "ints_attr", "int_attr", "str_attr",
           "constant_array", "add_initializer", "make_transpose", "redirect_uses", "permuted_shape",
           "fresh_name", "allow_free_initializers", "ensure_shapes"]

def to_last(rank: int) -> list[int]:
    """NCHW -> NHWC permutation for a tensor of `rank`."""
    return [0, *range(2, rank), 1]


def to_first(rank: int) -> list[int]:
    return [0, rank - 1, *range(1, rank - 1)]


def inverse(perm: list[int]) -> list[int]:
    return [int(i) for i in np.argsort(perm)]


def compose(first: list[int], second: list[int]) -> list[int]:
    """The single permutation equal to transposing by `first`, then by `second`."""
    return [first[i] for i in second]


def ints_attr(node: ir.Node, name: str, default=None):
    attr = node.attributes.get(name)
    return list(attr.value) if attr is not None else default


def int_attr(node: ir.Node, name: str, default: int = 0) -> int:
    attr = node.attributes.get(name)
    return int(attr.value) if attr is not None else default


def str_attr(node: ir.Node, name: str, default: str = "") -> str:
    attr = node.attributes.get(name)
    return attr.value if attr is not None else default


def constant_array(value: ir.Value | None) -> np.ndarray | None:
    """The value's array when it is an initializer or a Constant node output, else None."""
    if value is None:
        return None
    tensor = ir.convenience.get_const_tensor(value)
    if tensor is not None:
        return tensor.numpy()
    producer = value.producer()
    if producer is None or producer.domain not in ("", "ai.onnx") or not producer.inputs:
        return None
    # Unfolded constant subgraphs some exporters emit (weights from ConstantOfShape, per-channel scales
    # through Unsqueeze): evaluated here so the layout passes can re-lay them out like initializers.
    source = constant_array(producer.inputs[0])
    if source is None:
        return None
    if producer.op_type == "ConstantOfShape":
        fill = producer.attributes.get("value")
        fill = fill.value.numpy().reshape(-1) if fill is not None else np.zeros(1, np.float32)
        return np.full([int(d) for d in source.reshape(-1)], fill[0], fill.dtype)
    if producer.op_type == "Unsqueeze":
        axes = ints_attr(producer, "axes")
        if axes is None:
            axes_array = constant_array(producer.inputs[1]) if len(producer.inputs) > 1 else None
            axes = None if axes_array is None else [int(a) for a in axes_array.reshape(-1)]
        if axes is None:
            return None
        rank = source.ndim + len(axes)
        for axis in sorted(a + rank if a < 0 else a for a in axes):
            source = np.expand_dims(source, axis)
        return source
    if producer.op_type == "Identity":
        return source
    return None


def fresh_name(graph: ir.Graph, stem: str) -> str:
    """A value/node name not yet used in `graph` (numbered per graph, so the output is reproducible)."""
    if "converter.names" not in graph.meta:
        graph.meta["converter.names"] = ({v.name for v in graph.inputs} | set(graph.initializers)
                                         | {o.name for n in graph for o in n.outputs} | {n.name for n in graph})
        graph.meta["converter.counter"] = itertools.count()
    used = graph.meta["converter.names"]
    name = f"{stem}__{next(graph.meta['converter.counter'])}"
    while name in used:
        name = f"{stem}__{next(graph.meta['converter.counter'])}"
    used.add(name)
    return name


def add_initializer(graph: ir.Graph, stem: str, array: np.ndarray) -> ir.Value:
    name = fresh_name(graph, stem)
    value = ir.Value(name=name, shape=ir.Shape(array.shape), type=ir.TensorType(ir.DataType.from_numpy(array.dtype)),
                     const_value=ir.tensor(array, name=name))
    graph.register_initializer(value)
    return value


def permuted_shape(shape: ir.Shape | None, perm: list[int]) -> ir.Shape | None:
    if shape is None or len(shape) != len(perm):
        return None
    return ir.Shape([shape[i] for i in perm])


def make_transpose(graph: ir.Graph, value: ir.Value, perm: list[int], name_stem: str) -> ir.Node:
    """A Transpose node over `value` (not yet inserted in `graph`), with a fresh output name, shape and type."""
    node = ir.Node("", "Transpose", [value], [ir.AttrInt64s("perm", perm)], name=fresh_name(graph, name_stem))
    node.outputs[0].name = fresh_name(graph, f"{name_stem}_out")
    node.outputs[0].shape = permuted_shape(value.shape, perm)
    node.outputs[0].type = value.type
    return node


def redirect_uses(graph: ir.Graph, old: ir.Value, new: ir.Value, exclude: ir.Node | None = None) -> None:
    """Point every consumer of `old` (except `exclude`) and any graph output slot at `new`; a graph output
    keeps its public name, which moves to `new` (and its declared type and shape, where `new` has none)."""
    for user, index in list(old.uses()):
        if user is not exclude:
            user.replace_input_with(index, new)
    for position, output in enumerate(graph.outputs):
        if output is old:
            public = old.name
            old.name = fresh_name(graph, public)
            new.name = public
            if new.type is None:
                new.type, new.shape = old.type, old.shape
            graph.outputs[position] = new


def allow_free_initializers(model: ir.Model) -> None:
    """IR versions before 4 require every initializer to be a graph input; the passes add weights that
    are not, so such (old) models move to IR 4, which only relaxes that rule."""
    if model.ir_version is not None and model.ir_version < 4:
        model.ir_version = 4


def ensure_shapes(model: ir.Model, op_types: tuple[str, ...]) -> None:
    """Run ONNX shape inference when an input of one of `op_types` has no shape (a model without
    value_info): the layout and padding decisions need ranks and spatial sizes."""
    if any(n.op_type in op_types and n.inputs and n.inputs[0] is not None and n.inputs[0].shape is None
           for n in model.graph):
        from onnx_ir.passes.common import ShapeInferencePass
        ShapeInferencePass(strict_mode=False)(model)
