"""Which ops a Transpose may be pushed through, which of their inputs carry the layout, and how their
axis attributes/inputs change when they run on the untransposed tensor.

Convention: the op's inputs were `y = Transpose(x, perm)`; after the push it reads `x`, so an axis `a`
of `y` is axis `perm[a]` of `x`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, int_attr, ints_attr
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["LAYOUT_OPS", "FUSED_LAYOUT_OPS", "layout_rule"]


@dataclass
class Remap:
    output_perms: list                                    # perm to re-apply on each output (None: none)
    edits: list[Callable] = field(default_factory=list)    # (graph, node) -> None

    def apply(self, graph: ir.Graph, node: ir.Node) -> None:
        for edit in self.edits:
            edit(graph, node)


@dataclass(frozen=True)
class Rule:
    layout_inputs: Callable[[ir.Node], list[int]]
    remap: Callable[[ir.Node, list[int], int], Remap | None]


def _first(node):
    return [0]


def _all(node):
    return list(range(len(node.inputs)))


def _same_layout(node, perm, opset):
    return Remap([perm] * len(node.outputs))


def _set_attr(name: str, value):
    def edit(graph, node):
        node.attributes[name] = ir.AttrInt64(name, value) if isinstance(value, int) else ir.AttrInt64s(name, value)
    return edit


def _set_input(index: int, array: np.ndarray, stem: str):
    def edit(graph, node):
        if len(node.inputs) <= index:
            node.resize_inputs(index + 1)
        node.replace_input_with(index, add_initializer(graph, stem, array))
    return edit


def _axis(node, default, rank):
    axis = int_attr(node, "axis", default)
    return axis + rank if axis < 0 else axis


def _single_axis(default: int, min_opset: int = 1):
    def remap(node, perm, opset):
        if opset < min_opset:
            return None           # before opset 13 Softmax flattened from `axis` on: not layout-agnostic
        return Remap([perm] * len(node.outputs), [_set_attr("axis", perm[_axis(node, default, len(perm))])])
    return remap


def _reduce(node, perm, opset):
    rank = len(perm)
    axes_from_input = len(node.inputs) > 1 and node.inputs[1] is not None
    if axes_from_input:
        array = constant_array(node.inputs[1])
        if array is None:
            return None
        axes = [int(a) for a in array.reshape(-1)]
    else:
        axes = ints_attr(node, "axes", [])
    if not axes:
        if int_attr(node, "noop_with_empty_axes"):
            return Remap([perm])
        axes = list(range(rank))
    axes = [a + rank if a < 0 else a for a in axes]
    new_axes = [perm[a] for a in axes]
    edit = (_set_input(1, np.array(new_axes, np.int64), f"{node.name or node.op_type}_axes")
            if axes_from_input else _set_attr("axes", new_axes))
    if int_attr(node, "keepdims", 1):
        return Remap([perm], [edit])
    kept = [perm[i] for i in range(rank) if i not in axes]    # surviving axes, in y order, as x positions
    out_perm = [int(i) for i in np.argsort(np.argsort(kept))]
    return Remap([out_perm], [edit])


def _split(node, perm, opset):
    axis = _axis(node, 0, len(perm))
    return Remap([perm] * len(node.outputs), [_set_attr("axis", perm[axis])])


def _slice(node, perm, opset):
    rank = len(perm)
    starts = constant_array(node.inputs[1])
    if starts is None:
        return None
    if len(node.inputs) > 3 and node.inputs[3] is not None:
        axes = constant_array(node.inputs[3])
        if axes is None:
            return None
        axes = [int(a) for a in axes.reshape(-1)]
    else:
        axes = list(range(len(starts.reshape(-1))))
    new_axes = np.array([perm[a + rank if a < 0 else a] for a in axes], np.int64)
    return Remap([perm], [_set_input(3, new_axes, f"{node.name or 'slice'}_axes")])


def _pad(node, perm, opset):
    if opset < 11 or (len(node.inputs) > 3 and node.inputs[3] is not None):
        return None               # pads as an attribute, or the opset-18 axes input: left alone
    pads = constant_array(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] is not None else None
    if pads is None:
        return None
    new = _begins_ends_permuted(pads.reshape(-1), perm).astype(np.int64)
    return Remap([perm], [_set_input(1, new, f"{node.name or 'pad'}_pads")])


def _begins_ends_permuted(array: np.ndarray, perm) -> np.ndarray:
    """[begin per axis..., end per axis...] of y's axes, reordered as x's axes (x axis k was y axis
    argsort(perm)[k]): Pad's pads, Resize's roi."""
    rank, source = len(perm), np.argsort(perm)
    return np.concatenate([array[:rank][source], array[rank:][source]])


def _resize(node, perm, opset):
    """Resize's per-axis roi/scales/sizes follow the axes (or its opset-18 `axes` attribute does)."""
    if "axes" in node.attributes:
        return Remap([perm], [_set_attr("axes", [perm[a + len(perm) if a < 0 else a] for a in ints_attr(node, "axes")])])
    source = np.argsort(perm)                           # x axis k was y axis source[k]
    edits = []
    for index in ((1,) if opset < 11 else (1, 2, 3)):
        value = node.inputs[index] if len(node.inputs) > index else None
        if value is None:
            continue
        array = constant_array(value)
        if array is None:
            return None                                   # computed at run time: left in its layout
        array = array.reshape(-1)
        if array.size == 0:
            continue
        array = _begins_ends_permuted(array, perm) if index == 1 and opset >= 11 else array[source]
        role = "scales" if opset < 11 else ("roi", "scales", "sizes")[index - 1]
        edits.append(_set_input(index, array, f"{node.name or 'resize'}_{role}"))
    return Remap([perm], edits)


_UNARY = ("Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Gelu",
          "Erf", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin",
          "Cos", "Softplus", "Softsign", "Mish", "ThresholdedRelu", "Identity", "Cast", "Not", "IsNaN",
          "IsInf", "Clip", "Dropout", "Shrink", "Swish")
_BROADCAST = ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Greater",
              "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Xor", "PRelu", "Mod")

LAYOUT_OPS: dict[str, Rule] = {
    **{op: Rule(_first, _same_layout) for op in _UNARY},
    **{op: Rule(_all, _same_layout) for op in _BROADCAST},
    "Concat": Rule(_all, _single_axis(0)),
    "Softmax": Rule(_first, _single_axis(-1, min_opset=13)),
    "LogSoftmax": Rule(_first, _single_axis(-1, min_opset=13)),
    **{op: Rule(_first, _reduce) for op in ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                                            "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
                                            "ReduceLogSumExp")},
    "Split": Rule(_first, _split),
    "Slice": Rule(_first, _slice),
    "Pad": Rule(_first, _pad),
    "Resize": Rule(_first, _resize),
}

# Every converter.fused op the fusion passes write, with its rule: Gelu and ResidualAdd are elementwise;
# Linear contracts the last axis, as MatMul does, so a transpose stops at it (None).
FUSED_LAYOUT_OPS: dict[str, Rule | None] = {
    "Gelu": Rule(_first, _same_layout),
    "ResidualAdd": Rule(_all, _same_layout),
    "Linear": None,
}


def layout_rule(node: ir.Node) -> Rule | None:
    """How a Transpose moves through `node`, or None when it cannot."""
    if node.domain in ("", "ai.onnx"):
        return LAYOUT_OPS.get(node.op_type)
    return FUSED_LAYOUT_OPS.get(node.op_type) if node.domain == FUSED_DOMAIN else None
