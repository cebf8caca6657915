"""FoldShapeArithmeticPass: shape arithmetic whose result the graph's static sizes already fix, done once here.

Exporters compute reshape targets and resize sizes at run time from `Shape` (torchvision's Swin partitions
windows with `x.view(B, H // 7, 7, ...)`, segmentation heads resize to `x.shape[-2:]`). With a dynamic batch
nothing folds them, so TF runs the Shape/Gather/Slice/Concat chain on every request (Swin-T: about 300 of
its 4,300 nodes per request) and loses its static shapes downstream. Here the small integer vectors those chains build are
evaluated symbolically (Shape, Gather, Slice, Concat, Unsqueeze, Squeeze, Cast and integer Add/Sub/Mul/Div),
each entry a known int or "size `axis` of value X" (a run-time dim):
- a chain whose entries are all known becomes an initializer;
- a Reshape target with one run-time entry gets -1 there (Reshape infers it: the other entries fix it);
- a Resize whose sizes are known except for axes it keeps (their entry is the data's own run-time dim)
  resizes only the other axes, through the `axes` attribute (opset 18+), so the layout passes can move it
  and TF's own resize kernels can run it.
After a round that folded something, shape inference runs again and so does the fold: a folded reshape target
gives static sizes to what follows it, which the next chain reads (ShuffleNetV2's channel shuffles, one per
unit, each reading the sizes the previous one left unknown).
Runs after the ONNX Runtime reference is taken: the graph it leaves is for our translation only.
"""
from __future__ import annotations

import operator

import numpy as np
import onnx_ir as ir
from onnx_ir.passes.common import RemoveUnusedNodesPass, ShapeInferencePass

from converter.onnx_passes._layout import add_initializer, constant_array, ensure_shapes, int_attr

__all__ = ["FoldShapeArithmeticPass"]

MAX_LENGTH = 16         # shape vectors only, never data
MAX_ROUNDS = 8          # folds, each after shape inference has carried the last one's static sizes on


class RunTimeDim(tuple):
    """Size `axis` of `value`, known only at run time; `symbol` is its name from shape inference, if any (equal
    names are equal sizes)."""

    def __new__(cls, value: ir.Value, axis: int):
        dim = super().__new__(cls, (id(value), axis))
        symbol = value.shape[axis] if value.shape is not None else None
        dim.symbol = symbol.value if isinstance(symbol, ir.SymbolicDim) else None
        return dim


class Vector:
    """A small integer tensor of rank 0 or 1, entry by entry."""

    def __init__(self, entries: list, scalar: bool = False):
        self.entries, self.scalar = entries, scalar

    @property
    def known(self) -> bool:
        return all(isinstance(e, int) for e in self.entries)


class FoldShapeArithmeticPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        ensure_shapes(model, ("Shape", "Reshape"))     # Reshape: its data's dims fix a -1 beside the batch
        modified = False
        for _ in range(MAX_ROUNDS):
            if not _fold_once(model):
                break
            modified = True
            # a folded reshape target gives its output static sizes, which the next chain may read
            ShapeInferencePass(strict_mode=False)(model)
        if modified:        # the Shape chains left without users would pin transposes in the layout passes
            RemoveUnusedNodesPass()(model)
        return ir.passes.PassResult(model, modified)


def _fold_once(model: ir.Model) -> bool:
    graph = model.graph
    resize_axes = model.opset_imports.get("", 0) >= 18      # Resize's `axes` attribute came in opset 18
    vectors: dict[int, Vector] = {}
    modified = False
    for node in list(graph):
        if node.domain not in ("", "ai.onnx"):
            continue
        if node.op_type == "Reshape":
            modified |= _infer_one_dim(graph, node, vectors)
        elif node.op_type == "Resize" and resize_axes:
            modified |= _resize_only_changed_axes(graph, node, vectors)
        vector = _evaluate(node, vectors)
        if vector is None:
            continue
        output = node.outputs[0]
        vectors[id(output)] = vector
        if vector.known and node.op_type not in ("Constant",) and not output.is_graph_output() and output.uses():
            dtype = output.dtype.numpy() if output.dtype is not None else np.int64
            array = np.array(vector.entries[0] if vector.scalar else vector.entries, dtype)
            folded = add_initializer(graph, f"{node.name or node.op_type}_folded", array)
            for user, index in list(output.uses()):
                user.replace_input_with(index, folded)
            modified = True
    return modified


def _vector(value: ir.Value | None, vectors: dict[int, Vector]) -> Vector | None:
    if value is None:
        return None
    if id(value) in vectors:
        return vectors[id(value)]
    array = constant_array(value)
    if array is None or array.ndim > 1 or array.size > MAX_LENGTH or not np.issubdtype(array.dtype, np.integer):
        return None
    return Vector([int(v) for v in array.reshape(-1)], scalar=array.ndim == 0)


def _evaluate(node: ir.Node, vectors: dict[int, Vector]) -> Vector | None:
    op = node.op_type
    inputs = [_vector(v, vectors) for v in node.inputs]
    if op == "Shape":
        return _shape(node)
    if op in ("Identity", "Cast") and inputs and inputs[0] is not None:
        to = int_attr(node, "to", ir.DataType.INT64.value) if op == "Cast" else ir.DataType.INT64.value
        return inputs[0] if ir.DataType(to) in (ir.DataType.INT64, ir.DataType.INT32) else None
    if not inputs or inputs[0] is None:
        return None
    if op == "Gather" and int_attr(node, "axis", 0) == 0 and len(inputs) == 2 and inputs[1] is not None \
            and inputs[1].known and not inputs[0].scalar:
        data, picks = inputs[0].entries, inputs[1]
        if not all(-len(data) <= i < len(data) for i in picks.entries):
            return None
        return Vector([data[i] for i in picks.entries], scalar=picks.scalar)
    if op == "Slice" and not inputs[0].scalar:
        return _slice(inputs)
    if op == "Concat" and all(v is not None and not v.scalar for v in inputs):
        return Vector([e for v in inputs for e in v.entries])
    if op == "Unsqueeze" and inputs[0].scalar:
        return Vector(list(inputs[0].entries))
    if op == "Squeeze" and not inputs[0].scalar and len(inputs[0].entries) == 1:
        return Vector(list(inputs[0].entries), scalar=True)
    if op in _ARITHMETIC and len(inputs) == 2 and inputs[1] is not None:
        return _arithmetic(op, inputs[0], inputs[1])
    return None


def _truncating_div(a: int, b: int) -> int | None:
    """ONNX's integer Div rounds toward zero (C's `/`), not down like Python's `//`."""
    if b == 0:
        return None
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


# Integer arithmetic on sizes (`channels // groups` in torchvision's channel shuffle, traced as Div + Cast):
# the operation, and the operand that leaves a run-time dim as it is (x + 0, x * 1, ...).
_ARITHMETIC = {"Add": (operator.add, 0), "Sub": (operator.sub, 0), "Mul": (operator.mul, 1),
               "Div": (_truncating_div, 1)}
_COMMUTATIVE = ("Add", "Mul")


def _arithmetic(op: str, left: Vector, right: Vector) -> Vector | None:
    """Entry by entry, with ONNX broadcasting of scalars and length-1 vectors; None when an entry is not
    known (a run-time dim in anything but an identity)."""
    length = max(len(left.entries), len(right.entries))
    if {len(left.entries), len(right.entries)} - {1, length}:
        return None
    operation, neutral = _ARITHMETIC[op]
    entries = []
    for a, b in zip(left.entries * (length // len(left.entries)), right.entries * (length // len(right.entries))):
        if isinstance(a, int) and isinstance(b, int):
            entry = operation(a, b)
        elif isinstance(b, int) and b == neutral:
            entry = a
        elif isinstance(a, int) and a == neutral and op in _COMMUTATIVE:
            entry = b
        else:
            entry = None
        if entry is None:
            return None
        entries.append(entry)
    return Vector(entries, scalar=left.scalar and right.scalar)


def _shape(node: ir.Node) -> Vector | None:
    value = node.inputs[0]
    if value is None or value.shape is None:
        return None
    rank = len(value.shape)
    start, end = int_attr(node, "start", 0), int_attr(node, "end", rank)
    dims = [d if isinstance(d, int) else RunTimeDim(value, axis) for axis, d in enumerate(value.shape)]
    return Vector(dims[slice(start, end)])


def _slice(inputs: list[Vector | None]) -> Vector | None:
    data = inputs[0].entries
    parts = inputs[1:]
    if len(parts) < 2 or any(p is None or not p.known for p in parts):
        return None
    starts, ends = parts[0].entries, parts[1].entries
    axes = parts[2].entries if len(parts) > 2 else [0]
    steps = parts[3].entries if len(parts) > 3 else [1]
    if len(starts) != 1 or axes not in ([0], [-1]) or steps[0] <= 0:      # reversed slices: left to run time
        return None
    return Vector(data[slice(starts[0], ends[0], steps[0])])


def _infer_one_dim(graph: ir.Graph, node: ir.Node, vectors: dict[int, Vector]) -> bool:
    """A Reshape target known but for one run-time entry: -1 there, so TF sees a constant target."""
    target = _vector(node.inputs[1] if len(node.inputs) > 1 else None, vectors)
    if target is None or target.known or int_attr(node, "allowzero", 0):
        return False
    unknown = [i for i, e in enumerate(target.entries) if not isinstance(e, int)]
    entries = list(target.entries)
    if len(unknown) != 1:
        return False
    if -1 in entries and not _resolve_minus_one(node.inputs[0], entries, target.entries[unknown[0]]):
        return False
    entries[unknown[0]] = -1
    node.replace_input_with(1, add_initializer(graph, f"{node.name or 'reshape'}_target", np.array(entries, np.int64)))
    return True


def _resolve_minus_one(data: ir.Value, entries: list, run_time: RunTimeDim) -> bool:
    """`reshape(B, heads, -1, N)` with B the batch (EfficientFormerV2's attention): when the target's run-time
    entry is the data's own run-time dim (same symbol), the -1 is fixed by the static sizes; set it in place."""
    dims = list(data.shape) if data is not None and data.shape is not None else None
    if dims is None or entries.count(-1) != 1 or not isinstance(run_time, RunTimeDim) or run_time.symbol is None:
        return False
    symbols = [d.value for d in dims if isinstance(d, ir.SymbolicDim)]
    if len(symbols) + sum(isinstance(d, int) for d in dims) != len(dims) or symbols != [run_time.symbol]:
        return False
    known = int(np.prod([e for e in entries if isinstance(e, int) and e != -1]))
    total = int(np.prod([d for d in dims if isinstance(d, int)]))
    if known <= 0 or total % known:
        return False
    entries[entries.index(-1)] = total // known
    return True


def _resize_only_changed_axes(graph: ir.Graph, node: ir.Node, vectors: dict[int, Vector]) -> bool:
    data = node.inputs[0]
    sizes = _vector(node.inputs[3] if len(node.inputs) > 3 else None, vectors)
    if (sizes is None or sizes.known or data is None or data.shape is None or "axes" in node.attributes
            or len(sizes.entries) != len(data.shape)
            or node.attributes.get("coordinate_transformation_mode") is not None
            and node.attributes["coordinate_transformation_mode"].value == "tf_crop_and_resize"):
        return False
    dims = list(data.shape)
    kept = [i for i, e in enumerate(sizes.entries) if e == RunTimeDim(data, i) or (isinstance(e, int) and e == dims[i])]
    changed = [i for i in range(len(sizes.entries)) if i not in kept]
    if not kept or not changed or not all(isinstance(sizes.entries[i], int) for i in changed):
        return False
    node.attributes["axes"] = ir.AttrInt64s("axes", changed)
    static = np.array([sizes.entries[i] for i in changed], np.int64)
    node.replace_input_with(3, add_initializer(graph, f"{node.name or 'resize'}_sizes", static))
    return True
