"""CancelTransposesPass: push Transposes toward the outputs through layout-agnostic ops and cancel
inverse pairs, so a channels-last region keeps one layout from its first to its last op.

Repeated to a fixed point:
1. Transpose of a Transpose composes into one (dropped when the composition is the identity);
   Transpose of a constant folds into a new initializer.
2. An op whose layout-carrying inputs all come from Transposes with the same perm P (or are constants,
   re-laid out with P's inverse, broadcast-aware) runs on the untransposed tensors instead; its axis
   attributes are remapped and P moves to its outputs (see `_layout_ops.py` for the op table).
   A Transpose is only pushed when all its consumers are Transposes or ops it can be pushed through,
   so a fan-out (residual Add + Pad) moves as a whole; ops with several live outputs (Split) are not
   pushed through (one transpose would become several).
From that fixed point, bolder moves (BOLDER_MOVES) are tried on a copy, kept only if fewer transposes are
left: a transpose split at a reshape that merges axes out of their order, and pushes through Split.
At the end, a transpose left between a graph input and a Pad/elementwise chain is hoisted onto the input,
and a Transpose that only moves size-1 axes (the [N,1,1,C] -> [N,C,1,1] before a classifier's Flatten)
becomes a Reshape. The pass works on a clone and keeps the original graph if the count would rise. Transposes remain where a region meets a layout-sensitive op (Reshape or
Flatten across channels, Gather on an axis, MatMul) and at graph outputs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (add_initializer, allow_free_initializers, compose, constant_array,
                                           fresh_name,
                                           inverse, ints_attr,
                                           make_transpose, permuted_shape, redirect_uses)
from converter.onnx_passes._layout_ops import layout_rule, regroup_reshape

__all__ = ["CancelTransposesPass", "count_transposes"]

logger = logging.getLogger(__name__)


def count_transposes(model: ir.Model) -> int:
    return sum(1 for node in model.graph if node.op_type == "Transpose" and node.domain == "")


class CancelTransposesPass(ir.passes.FunctionalPass):
    """Works on a clone (weights shared, not copied) and keeps the original when the rewrite would
    leave more transposes than it found: the pushes are greedy and must never make a model slower."""

    def __init__(self, max_rounds: int = 1000):
        super().__init__()
        self.max_rounds = max_rounds

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        before = count_transposes(model)
        opset = model.opset_imports.get("", 0)
        rewritten = model.clone()
        modified = _rewrite(rewritten.graph, opset, self.max_rounds)
        for bolder in BOLDER_MOVES:     # from where the sure moves stopped; kept if fewer transposes are left
            if not _may_move(rewritten.graph, bolder):     # the trial would end where it starts: skip the clone
                continue
            trial = rewritten.clone()
            if _rewrite(trial.graph, opset, self.max_rounds, bolder) and \
                    count_transposes(trial) < count_transposes(rewritten):
                rewritten, modified = trial, True
        after = count_transposes(rewritten)
        if after > before:
            logger.warning("CancelTransposesPass: rewrite would raise transposes %d -> %d; graph left as it was",
                           before, after)
            return ir.passes.PassResult(model.clone(), False)
        logger.debug("CancelTransposesPass: %d -> %d transposes", before, after)
        if not modified:
            return ir.passes.PassResult(rewritten, False)
        allow_free_initializers(rewritten)
        return ir.passes.PassResult(rewritten, True)


@dataclass(frozen=True)
class Moves:
    """Moves that may leave more transposes than they remove (the pass keeps their result only if fewer)."""
    split_at_reshapes: bool = False     # see _split_at_merging_reshapes
    fan_out: bool = False               # through ops with several outputs (Split): one transpose per output


# Tried one after the other, each from the best graph so far: a traced ShuffleNetV2 needs the first, its
# torch.export form (chunk written as Split) both.
BOLDER_MOVES = (Moves(split_at_reshapes=True), Moves(split_at_reshapes=True, fan_out=True))


def _may_move(graph: ir.Graph, moves: Moves) -> bool:
    """Whether bolder `moves` can start anywhere in `graph`, a fixed point of the moves before them (each trial
    adds one kind of move to the previous one's): with fan_out, an op of several live outputs that transposes
    pass through; else a transpose into a reshape that merges axes out of their order."""
    if moves.fan_out:
        return any(len(_live_outputs(node)) > 1 and layout_rule(node) is not None for node in graph)
    return moves.split_at_reshapes and next(_merging_reshapes(graph), None) is not None


def _rewrite(graph: ir.Graph, opset: int, max_rounds: int, moves: Moves = Moves()) -> bool:
    modified = False
    for _ in range(max_rounds):
        changed = _fold_and_compose(graph) | _push_once(graph, opset, moves) | _remove_dead_transposes(graph)
        if not changed and moves.split_at_reshapes:       # once the pushes are stuck
            changed = _split_at_merging_reshapes(graph)
        modified |= changed
        if not changed:
            break
    modified |= _hoist_to_inputs(graph, opset)
    modified |= _unit_transposes_to_reshapes(graph)
    modified |= _remove_dead_transposes(graph)
    return modified


def _transposes(graph: ir.Graph) -> list[ir.Node]:
    return [n for n in graph if n.op_type == "Transpose" and n.domain == ""]


def perm_of(node: ir.Node) -> list[int] | None:
    perm = ints_attr(node, "perm")
    if perm is None and node.inputs[0].shape is not None:
        perm = list(range(len(node.inputs[0].shape)))[::-1]
    return perm


def _fold_and_compose(graph: ir.Graph) -> bool:
    changed = False
    for node in _transposes(graph):
        if node.graph is None:
            continue
        source, perm = node.inputs[0], perm_of(node)
        if perm is None:
            continue
        producer = source.producer()
        array = constant_array(source)
        if array is not None and array.ndim == len(perm) and not node.outputs[0].is_graph_output():
            folded = add_initializer(graph, f"{source.name}_t", np.ascontiguousarray(array.transpose(perm)))
            redirect_uses(graph, node.outputs[0], folded)
            changed = True
        elif producer is not None and producer.op_type == "Transpose" and producer.domain == "":
            first = perm_of(producer)
            if first is None:
                continue
            combined = compose(first, perm)
            if combined == list(range(len(combined))):
                if not node.outputs[0].is_graph_output() or not producer.inputs[0].is_graph_input():
                    redirect_uses(graph, node.outputs[0], producer.inputs[0])
                    changed = True
            else:
                node.replace_input_with(0, producer.inputs[0])
                node.attributes["perm"] = ir.AttrInt64s("perm", combined)
                changed = True
    return changed


def _push_once(graph: ir.Graph, opset: int, moves: Moves) -> bool:
    changed = False
    for node in list(graph):
        if node.graph is None:
            continue
        rule = layout_rule(node)
        if rule is not None and _push(graph, node, rule, opset, moves):
            changed = True
    return changed


def _live_outputs(node: ir.Node) -> list[ir.Value]:
    return [o for o in node.outputs if o.uses() or o.is_graph_output()]


def _push(graph: ir.Graph, node: ir.Node, rule, opset: int, moves: Moves = Moves()) -> bool:
    live = _live_outputs(node)
    if not live or len(live) > 1 and not moves.fan_out:    # one transpose in, several out (Split): a gain
        return False                                        # only if each of them cancels later
    indices = [i for i in rule.layout_inputs(node) if i < len(node.inputs) and node.inputs[i] is not None]
    feeding = [node.inputs[i].producer() for i in indices]
    perms = {tuple(perm_of(p)) for p in feeding if _is_transpose(p) and perm_of(p) is not None}
    if len(perms) != 1:
        return False
    perm = list(perms.pop())
    rank = len(perm)
    constants = {}
    for i, producer in zip(indices, feeding):
        if _is_transpose(producer):
            if not _only_consumer(producer, node, opset):
                return False
            continue
        array = constant_array(node.inputs[i])
        if array is None or array.ndim > rank:
            return False
        constants[i] = array
    remap = rule.remap(node, perm, opset)
    if remap is None:
        return False
    for i, producer in zip(indices, feeding):
        if i in constants:
            node.replace_input_with(i, _relayout_constant(graph, node.inputs[i], constants[i], perm))
        else:
            node.replace_input_with(i, producer.inputs[0])
    remap.apply(graph, node)
    for output, out_perm in zip(node.outputs, remap.output_perms):
        if output.uses() or output.is_graph_output():
            _transpose_output(graph, node, output, out_perm)
    return True


def _split_at_merging_reshapes(graph: ir.Graph) -> bool:
    """`Transpose(perm) -> Reshape` where the reshape merges axes that are consecutive before the transpose but
    not in their order: `Transpose(inner) -> Reshape -> Transpose(out)`, the inner one only reordering within
    the merged groups and the outer one free to move on. ShuffleNetV2's channel shuffle, reached by the
    NHWC->NCHW transpose, `Reshape(B,H,W,2,C/2) -> Transpose(0,4,3,1,2) -> Reshape(B,C,H,W)`, becomes the shuffle
    itself in NHWC, `Transpose(0,1,2,4,3) -> Reshape(B,H,W,C)`, and a transpose the next convs cancel."""
    changed = False
    for transpose, reshape, regrouped in _merging_reshapes(graph):
        inner = make_transpose(graph, transpose.inputs[0], regrouped.inner_perm,
                               f"{transpose.name or 'transpose'}_within_groups")
        graph.insert_before(reshape, inner)
        reshape.replace_input_with(0, inner.outputs[0])
        reshape.replace_input_with(1, add_initializer(graph, f"{reshape.name or 'reshape'}_regrouped",
                                                      np.array(regrouped.target, np.int64)))
        _transpose_output(graph, reshape, reshape.outputs[0], regrouped.out_perm)
        changed = True
    return changed


def _merging_reshapes(graph: ir.Graph):
    """(transpose, reshape, Regrouped) for each transpose whose only reader is a reshape merging axes out of
    their order (looked at one by one, so a caller may rewrite the graph between them)."""
    for transpose in _transposes(graph):
        users = [user for user, _ in transpose.outputs[0].uses()]
        perm = perm_of(transpose)
        if (perm is None or len(users) != 1 or users[0].op_type != "Reshape" or users[0].domain != ""
                or transpose.outputs[0].is_graph_output()):
            continue
        regrouped = regroup_reshape(users[0], perm)
        if regrouped is not None and regrouped.out_perm != list(range(len(regrouped.out_perm))):
            yield transpose, users[0], regrouped


def _is_transpose(node: ir.Node | None) -> bool:
    return node is not None and node.op_type == "Transpose" and node.domain == ""


def _only_consumer(transpose: ir.Node, node: ir.Node, opset: int) -> bool:
    """Pushing is worth it: every other consumer of the transpose is a Transpose (they compose) or an op
    it can be pushed through next (a fan-out into a residual Add and a Pad, say)."""
    out = transpose.outputs[0]
    if out.is_graph_output():
        return False
    return all(user is node or _is_transpose(user) or _can_push(user, perm_of(transpose), opset)
               for user, _ in out.uses())


def _can_push(node: ir.Node, perm: list[int] | None, opset: int) -> bool:
    rule = layout_rule(node)
    return rule is not None and (perm is None or rule.remap(node, perm, opset) is not None)


def _relayout_constant(graph: ir.Graph, value: ir.Value, array: np.ndarray, perm: list[int]) -> ir.Value:
    if array.size == 1:
        return value
    full = array.reshape((1,) * (len(perm) - array.ndim) + array.shape)
    return add_initializer(graph, f"{value.name}_relayout", np.ascontiguousarray(full.transpose(inverse(perm))))


def _transpose_output(graph: ir.Graph, node: ir.Node, output: ir.Value, perm: list[int] | None) -> None:
    """`output` now holds the untransposed layout; consumers get Transpose(output, perm)."""
    if perm is None or perm == list(range(len(perm))):
        return
    old_shape = output.shape
    output.shape = permuted_shape(old_shape, inverse(perm))
    transpose = make_transpose(graph, output, perm, f"{node.name or node.op_type}_{output.name}_pushed")
    transpose.outputs[0].shape = old_shape
    graph.insert_after(node, transpose)
    redirect_uses(graph, output, transpose.outputs[0], exclude=transpose)


def _hoist_to_inputs(graph: ir.Graph, opset: int) -> bool:
    """Move a transpose up through the layout-agnostic single-input ops (an explicit Pad, say) between
    it and a graph input, so it sits on the input itself (where ExposeNhwcInputsPass can drop it).
    Done once at the end: in the main loop it would undo pushes."""
    changed = False
    refused: set[int] = set()
    for _ in range(len(graph)):
        target = next((t for t in _transposes(graph)
                       if id(t) not in refused and _hoistable(t.inputs[0].producer(), t)), None)
        if target is None:
            return changed
        node = target.inputs[0].producer()
        perm, source = perm_of(target), node.inputs[0]
        down = make_transpose(graph, source, perm, f"{node.name or node.op_type}_hoisted")
        back = make_transpose(graph, down.outputs[0], inverse(perm), f"{node.name or node.op_type}_hoisted_back")
        graph.insert_before(node, [down, back])
        node.replace_input_with(0, back.outputs[0])
        if not _push(graph, node, layout_rule(node), opset):   # e.g. a Pad with computed pads
            node.replace_input_with(0, source)
            graph.remove([back, down], safe=True)
            refused.add(id(target))
            continue
        _fold_and_compose(graph)
        _remove_dead_transposes(graph)
        changed = True
    return changed


def _hoistable(node: ir.Node | None, transpose: ir.Node) -> bool:
    while node is not None:
        rule = layout_rule(node)
        if rule is None or rule.layout_inputs(node) != [0] or len(node.outputs) != 1:
            return False
        if [user for user, _ in node.outputs[0].uses()] != [transpose] or node.outputs[0].is_graph_output():
            return False
        source = node.inputs[0]
        if source.is_graph_input():
            return True
        node, transpose = source.producer(), node
    return False


def _remove_dead_transposes(graph: ir.Graph) -> bool:
    changed = False
    for node in reversed(_transposes(graph)):
        out = node.outputs[0]
        if not out.uses() and not out.is_graph_output():
            graph.remove(node, safe=True)
            changed = True
    return changed


def _unit_transposes_to_reshapes(graph: ir.Graph) -> bool:
    changed = False
    for node in _transposes(graph):
        target = _reshape_target(node)
        if target is None:
            continue
        shape = add_initializer(graph, f"{node.name or 'transpose'}_as_reshape", np.array(target, np.int64))
        reshape = ir.Node("", "Reshape", [node.inputs[0], shape], name=f"{node.name or 'transpose'}_reshape")
        reshape.outputs[0].name = fresh_name(graph, f"{node.name or 'transpose'}_reshaped")
        reshape.outputs[0].shape = node.outputs[0].shape
        reshape.outputs[0].type = node.outputs[0].type
        graph.insert_after(node, reshape)
        redirect_uses(graph, node.outputs[0], reshape.outputs[0])
        changed = True
    return changed


def _reshape_target(node: ir.Node) -> list[int] | None:
    """Reshape dims equal to this transpose, when it only moves size-1 axes; else None."""
    shape, perm = node.inputs[0].shape, perm_of(node)
    if shape is None or perm is None:
        return None
    dims = [d if isinstance(d, int) else None for d in shape]
    moved = [p for p in perm if dims[p] != 1]
    if moved != sorted(moved):
        return None
    target = []
    unknown = 0
    for position, source in enumerate(perm):
        if dims[source] is not None:
            target.append(dims[source])
        elif source == position:
            target.append(0)          # Reshape's 0 copies the input's dim at the same position
        else:
            target.append(-1)
            unknown += 1
    return target if unknown <= 1 else None
