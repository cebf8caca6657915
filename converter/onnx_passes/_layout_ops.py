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

__all__ = ["LAYOUT_OPS", "FUSED_LAYOUT_OPS", "layout_rule", "regroup_reshape"]


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


def _reshape(node, perm, opset):
    """A reshape that only merges or splits groups of axes, each group a run of consecutive axes of the
    untransposed tensor in their order, runs on that tensor: merged/split the same way, then transposed group by
    group. EfficientFormerV2 flattens a convolution's output into attention heads,
    `Conv(NHWC) -> Transpose(0,3,1,2) -> Reshape(B, heads, d, N) -> Transpose(0,1,3,2)`, which becomes
    `Conv -> Reshape(B, N, heads, d) -> Transpose(0,2,1,3)`: one transpose instead of two. Only when the reshape
    feeds transposes: moved further on its own, greedy pushes can leave one more than before (ResMLP)."""
    users = [user for user, _ in node.outputs[0].uses()]
    if not users or any(user.op_type != "Transpose" or user.domain != "" for user in users):
        return None             # only where the moved transpose composes with the next one at once: a sure gain
    regrouped = regroup_reshape(node, perm)
    if regrouped is None or regrouped.inner_perm != sorted(regrouped.inner_perm):
        return None
    edit = _set_input(1, np.array(regrouped.target, np.int64), f"{node.name or 'reshape'}_shape")
    return Remap([regrouped.out_perm], [edit])


@dataclass(frozen=True)
class Regrouped:
    """`Transpose(x, perm) -> Reshape` written as `Transpose(x, inner_perm) -> Reshape(target) ->
    Transpose(out_perm)`, where the reshape merges/splits groups of axes that are consecutive in x."""
    inner_perm: list[int]
    target: list[int]
    out_perm: list[int]


def regroup_reshape(node: ir.Node, perm: list[int]) -> Regrouped | None:
    """For a Reshape reading `Transpose(x, perm)` that only merges or splits groups of axes, each group's axes
    consecutive in x (in any order): the inner transpose only orders the axes within each group (the identity
    when each group is already in x's order), the groups keep x's order, and `out_perm` puts them where the
    reshape had them. None for any other reshape."""
    target = constant_array(node.inputs[1]) if len(node.inputs) > 1 else None
    if target is None or node.inputs[0].shape is None or len(node.inputs[0].shape) != len(perm):
        return None
    source = [d if isinstance(d, int) else None for d in node.inputs[0].shape]    # None: known at run time
    dims = _reshape_dims(source, [int(t) for t in target.reshape(-1)], int_attr(node, "allowzero"))
    groups = None if dims is None else _axis_groups(source, dims)
    if groups is None:
        return None
    runs = []                   # per group: its axes in x, which must be consecutive
    for group_source, group_target in groups:
        axes = [perm[a] for a in group_source]
        if sorted(axes) != list(range(min(axes), min(axes) + len(axes))):
            return None
        runs.append((min(axes), axes, group_target))
    inner_perm, new_target, position = [], [], {}
    for _, axes, group_target in sorted(runs):
        inner_perm += axes
        for axis in group_target:
            position[axis] = len(new_target)
            new_target.append(-1 if dims[axis] is None else dims[axis])
    return Regrouped(inner_perm, new_target, [position[axis] for axis in range(len(dims))])


def _reshape_dims(source: list, target: list[int], allowzero: int) -> list | None:
    """The reshape's output dims (None for the one known only at run time), or None when they cannot be told:
    every static dim at least 2 (size-1 and empty axes have no group) and at most one run-time dim per side."""
    dims = [source[i] if t == 0 and not allowzero and i < len(source) else t for i, t in enumerate(target)]
    dims = [None if d is None or d == -1 else d for d in dims]
    static_source = [d for d in source if d is not None]
    static_target = [d for d in dims if d is not None]
    if min(static_source + static_target, default=2) < 2 or source.count(None) > 1 or dims.count(None) > 1:
        return None
    if source.count(None) == 0 and dims.count(None) == 1:      # -1 with every input size known
        total, rest = int(np.prod(static_source)), int(np.prod(static_target))
        if total % rest:
            return None
        dims[dims.index(None)] = total // rest
    elif source.count(None) != dims.count(None) or np.prod(static_source) != np.prod(static_target):
        return None         # equal static products: the run-time dim passes through unchanged
    return dims


def _axis_groups(source: list, target: list) -> list[tuple[list[int], list[int]]] | None:
    """Consecutive (source axes, target axes) groups of equal size where one side is a single axis (a merge or
    a split), the run-time dim its own group; None for any other reshape."""
    groups, i, j = [], 0, 0
    while i < len(source) and j < len(target):
        if source[i] is None or target[j] is None:
            if source[i] is not None or target[j] is not None:
                return None
            groups.append(([i], [j]))
            i, j = i + 1, j + 1
            continue
        group_source, group_target = [i], [j]
        size_source, size_target = source[i], target[j]
        i, j = i + 1, j + 1
        while size_source != size_target:
            if size_source < size_target:
                if i == len(source) or source[i] is None:
                    return None
                size_source *= source[i]
                group_source.append(i)
                i += 1
            else:
                if j == len(target) or target[j] is None:
                    return None
                size_target *= target[j]
                group_target.append(j)
                j += 1
        if len(group_source) > 1 and len(group_target) > 1:
            return None
        groups.append((group_source, group_target))
    return groups if (i, j) == (len(source), len(target)) else None


def _layer_norm(node, perm, opset):
    """Normalising over axes [axis, rank) is layout-agnostic when the transpose keeps that set of axes and the
    scale and bias are single numbers (GroupNormAsLayerNormPass writes it so)."""
    axis = _axis(node, -1, len(perm))
    if sorted(perm[axis:]) != list(range(axis, len(perm))):
        return None
    for value in node.inputs[1:3]:
        array = constant_array(value) if value is not None else np.zeros(1)
        if array is None or array.size != 1:
            return None
    return Remap([perm])


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
    "Reshape": Rule(_first, _reshape),
    "LayerNormalization": Rule(_first, _layer_norm),
}

# Every converter.fused op the fusion passes write, with its rule: Gelu and ResidualAdd are elementwise;
# Linear and MatMul contract the last axis, as ONNX's MatMul does, so a transpose stops at them (None).
FUSED_LAYOUT_OPS: dict[str, Rule | None] = {
    "Gelu": Rule(_first, _same_layout),
    "HardSwish": Rule(_first, _same_layout),
    "Swish": Rule(_first, _same_layout),
    "ResidualAdd": Rule(_all, _same_layout),
    "Linear": None,
    "MatMul": None,
}


def layout_rule(node: ir.Node) -> Rule | None:
    """How a Transpose moves through `node`, or None when it cannot."""
    if node.domain in ("", "ai.onnx"):
        return LAYOUT_OPS.get(node.op_type)
    return FUSED_LAYOUT_OPS.get(node.op_type) if node.domain == FUSED_DOMAIN else None
