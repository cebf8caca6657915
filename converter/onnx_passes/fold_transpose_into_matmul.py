"""FoldTransposeIntoMatMulPass: a Transpose that swaps an operand's last two axes on its way into a MatMul (the key
of attention's Q @ K^T) becomes the product's own flag, converter.fused::MatMul(A, B, transpose_b=1); TF's batched
matmul reads the operand transposed at no cost, where a separate Transpose that moves the innermost axis is one
more pass over memory, and under oneDNN (TF's default on AVX-512 CPUs) an _MklTranspose of 60-100 us per call.

A permutation p whose last two entries swapped give a q that keeps the innermost axis in place splits into q,
then the swap: the swap goes into the flag, q stays as a Transpose that keeps the innermost axis (cheap, see
converter/tf_ops/_transpose.py), or disappears when q is the identity (GPT-2's [0, 2, 3, 1] keeps [0, 2, 1, 3];
Swin's [0, 1, 3, 2] and BERT's [0, 2, 1] vanish). Between the Transpose and the MatMul the swap moves through
ops that commute with it: a Reshape that only regroups the leading axes (BERT splits batch x heads, its last
two sizes stay) and a Mul or Div by a single number (the 1/sqrt(d) scale). Every value on the way must have no
other reader, since its layout changes.
Runs after the layout passes, which may leave such a Transpose where two met.
"""
from __future__ import annotations

import logging

import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, ints_attr
from converter.onnx_passes._match import fusion_result, is_private, is_standard
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FoldTransposeIntoMatMulPass"]

logger = logging.getLogger(__name__)

_FLAGS = ("transpose_a", "transpose_b")


class FoldTransposeIntoMatMulPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        folded = 0
        for node in list(graph):
            if not is_standard(node, "MatMul") or any(_rank(v) is None or _rank(v) < 2 for v in node.inputs):
                continue
            flags = [side for side in (0, 1) if _fold_operand(graph, node, side)]
            if flags:
                node.domain, node.op_type = FUSED_DOMAIN, "MatMul"
                for side in flags:
                    node.attributes[_FLAGS[side]] = ir.AttrInt64(_FLAGS[side], 1)
                folded += len(flags)
        return fusion_result(model, folded, logger, "FoldTransposeIntoMatMulPass: %d transposes folded into products")


def _fold_operand(graph: ir.Graph, matmul: ir.Node, side: int) -> bool:
    """Take the swap of the last two axes out of the Transpose feeding `matmul`'s operand `side` (through
    commuting ops); False, changing nothing, when there is none to take."""
    if _rank(matmul.inputs[side]) < 3:       # rank 2: a weight's transpose, which TF folds into a constant
        return False
    between, value = [], matmul.inputs[side]
    while is_private(value) and (through := _swap_passes_through(value.producer())) is not None:
        between.append(value.producer())
        value = value.producer().inputs[through]
    transpose = value.producer()
    if not (is_private(value) and is_standard(transpose, "Transpose")):
        return False
    perm = ints_attr(transpose, "perm")
    if perm is None or len(perm) < 2:
        return False
    kept = perm[:-2] + [perm[-1], perm[-2]]
    if kept[-1] != len(perm) - 1:        # what stays would still move the innermost axis: nothing gained
        return False
    for node in between:
        if is_standard(node, "Reshape"):
            target = constant_array(node.inputs[1]).reshape(-1).copy()
            target[-2:] = target[-2:][::-1].copy()
            node.replace_input_with(1, add_initializer(graph, "swapped_shape", target))
    for node in [transpose, *between]:
        _swap_last_two(node.outputs[0])
    if kept == list(range(len(perm))):
        ((user, index),) = transpose.outputs[0].uses()
        user.replace_input_with(index, transpose.inputs[0])
        graph.remove(transpose, safe=True)
    else:
        transpose.attributes["perm"] = ir.AttrInt64s("perm", kept)
    return True


def _swap_passes_through(node: ir.Node | None) -> int | None:
    """The input of `node` through which a swap of the last two axes passes unchanged (swapped before, or the
    output swapped after: the same result), or None: a Reshape that regroups only the leading axes, or a
    Mul or Div by one number."""
    if is_standard(node, "Mul", "Div") and len(node.inputs) == 2:
        rank = _rank(node.outputs[0])
        if _is_single_number(node.inputs[1], rank):
            return 0
        return 1 if is_standard(node, "Mul") and _is_single_number(node.inputs[0], rank) else None
    if not is_standard(node, "Reshape") or int(getattr(node.attributes.get("allowzero"), "value", 0)):
        return None
    data, target = node.inputs[0], constant_array(node.inputs[1])
    if target is None or target.ndim != 1 or len(target) < 2 or _rank(data) is None or _rank(data) < 2:
        return None
    last_two = [data.shape[-2], data.shape[-1]]
    if not all(isinstance(d, int) for d in last_two) or [int(d) for d in target[-2:]] != last_two:
        return None
    # a 0 copies the input's size at its position: that must not be one of the swapped axes
    if any(int(size) == 0 and position >= len(data.shape) - 2 for position, size in enumerate(target[:-2])):
        return None
    return 0


def _is_single_number(value: ir.Value | None, rank: int | None) -> bool:
    """Of one element and no more axes than the product's operand (so it broadcasts without changing shape)."""
    shape = None if value is None else value.shape
    return shape is not None and rank is not None and len(shape) <= rank and all(d == 1 for d in shape)


def _swap_last_two(value: ir.Value) -> None:
    if value.shape is not None and len(value.shape) >= 2:
        dims = list(value.shape)
        value.shape = ir.Shape(dims[:-2] + [dims[-1], dims[-2]])


def _rank(value: ir.Value | None) -> int | None:
    return None if value is None or value.shape is None else len(value.shape)
