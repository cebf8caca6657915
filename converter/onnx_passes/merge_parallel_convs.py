"""MergeParallelConvsPass: convolutions of one input whose outputs are summed become one convolution, the
re-parameterisation RepVGG, MobileOne and FastViT ask users to run by hand before deployment (models saved in
their training form have several branches per block: a kxk conv, a 1x1 conv, an identity BatchNorm, each
folded with its own BatchNorm by FoldBatchNormIntoConvPass before this pass).

Each branch's kernel is zero-padded to the largest kernel, placed where its own padding puts its taps, and the
kernels and biases add up with the branch's sign in the sum of Adds and Subs: conv_a(x) + conv_b(x) =
conv_{a+b}(x), exact up to float rounding. An inference BatchNormalization of the same input in the sum (the
identity branch; FastViT's RepMixer subtracts one) joins as a one-tap kernel, x * scale + shift. Merged only
where the result reads exactly the same input positions: same groups and strides, same dilations (but for
1x1 kernels), explicit pads whose offsets fit the larger kernel on both sides (so every branch's output size
stays the same whatever the input size), and for an identity branch stride 1 and as many outputs as inputs.
Runs before ExplicitPaddingPass, which would give the strided kxk branch its own padded input.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (add_initializer, constant_array, fresh_name,
                                           int_attr, ints_attr, redirect_uses, str_attr)
from converter.onnx_passes._match import folding_result, is_private, is_standard
from converter.onnx_passes.fold_batch_norm import inference_affine

__all__ = ["MergeParallelConvsPass"]

logger = logging.getLogger(__name__)


@dataclass
class _Branch:
    node: ir.Node                  # the Conv, or the identity branch's BatchNormalization
    weight: np.ndarray             # float64 [out, in / groups, *kernel]
    bias: np.ndarray               # float64 [out]
    begin: list[int]               # pads before / after, per spatial axis
    end: list[int]


class MergeParallelConvsPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        merged = sum(_merge_sum(graph, node) for node in list(graph) if _is_sum_root(node))
        return folding_result(model, merged, logger,
                              "MergeParallelConvsPass: %d convolutions merged into their siblings")


_SUM_OPS = ("Add", "Sub")


def _is_sum_root(node: ir.Node) -> bool:
    """An Add or Sub that is not itself one term of a larger sum (whose root collects it)."""
    return is_standard(node, *_SUM_OPS) and node.graph is not None and _inner_sum_user(node.outputs[0]) is None


def _inner_sum_user(value: ir.Value) -> ir.Node | None:
    """The Add or Sub that alone reads `value`, making it part of its sum, if any."""
    if not is_private(value):
        return None
    user = next(iter(value.uses()))[0]
    return user if is_standard(user, *_SUM_OPS) else None


def _signed_inputs(node: ir.Node, sign: int) -> list[tuple[ir.Value, int]]:
    """Each input of an Add or Sub with its sign in the sum (a Sub's second input negated)."""
    return [(value, -sign if node.op_type == "Sub" and index == 1 else sign)
            for index, value in enumerate(node.inputs)]


def _terms(root: ir.Node) -> tuple[list[tuple[ir.Value, int]], list[ir.Node]]:
    """The values a tree of Adds and Subs sums, each with its sign, left to right (so the first is positive),
    and the tree's nodes."""
    terms, nodes, pending = [], [root], _signed_inputs(root, 1)
    while pending:
        value, sign = pending.pop(0)
        producer = value.producer()
        if is_standard(producer, *_SUM_OPS) and _inner_sum_user(value) is not None:
            nodes.append(producer)
            pending[:0] = _signed_inputs(producer, sign)
        else:
            terms.append((value, sign))
    return terms, nodes


def _merge_sum(graph: ir.Graph, root: ir.Node) -> int:
    terms, tree = _terms(root)
    groups: dict[int, dict[ir.Value, int]] = {}        # source -> branch output -> its coefficient in the sum
    for term, sign in terms:
        source = _branch_source(term, tree)
        if source is not None:
            branches = groups.setdefault(id(source), {})
            branches[term] = branches.get(term, 0) + sign
    merged = {}                                          # each merged branch output -> the merged conv
    for branches in groups.values():
        convs = [v for v in branches if is_standard(v.producer(), "Conv")]
        if len(branches) < 2 or not convs:
            continue
        node = _merged_conv(graph, [(v.producer(), c) for v, c in branches.items()], convs[0].producer())
        if node is not None:
            merged.update(dict.fromkeys(branches, node))
    if not merged:
        return 0
    kept, placed = [], set()
    for term, sign in terms:
        node = merged.get(term)
        if node is None:
            kept.append((term, sign))
        elif id(node) not in placed:           # where its first branch was (the first term stays positive)
            placed.add(id(node))
            graph.insert_before(root, node)
            kept.append((node.outputs[0], 1))
    _sum_into(graph, kept, root)
    graph.remove(tree + list(dict.fromkeys(v.producer() for v in merged)), safe=True)
    return len(merged) - len(placed)


def _branch_source(term: ir.Value, tree: list[ir.Node]) -> ir.Value | None:
    """The input of the Conv (constant weights) or inference BatchNormalization producing `term`, when only
    the sum reads it (once or several times)."""
    producer = term.producer()
    if term.is_graph_output() or any(all(user is not node for node in tree) for user, _ in term.uses()):
        return None
    if is_standard(producer, "Conv") and constant_array(producer.inputs[1]) is not None:
        return producer.inputs[0]
    if is_standard(producer, "BatchNormalization") and inference_affine(producer) is not None:
        return producer.inputs[0]
    return None


def _merged_conv(graph: ir.Graph, weighted: list[tuple[ir.Node, int]], template: ir.Node) -> ir.Node | None:
    """One Conv computing the sum of `weighted` branches (each node times its coefficient), or None."""
    nodes = [node for node, _ in weighted]
    template_weight = constant_array(template.inputs[1])
    rank = template_weight.ndim - 2
    convs = [n for n in nodes if n.op_type == "Conv"]
    settings = {(int_attr(n, "group", 1), tuple(ints_attr(n, "strides") or [1] * rank),
                 str_attr(n, "auto_pad", "NOTSET")) for n in convs}
    # a 1x1 kernel reads the same positions at any dilation (MobileOne's scale branch beside a dilated kxk)
    spread = {tuple(ints_attr(n, "dilations") or [1] * rank) for n in convs
              if any(k > 1 for k in constant_array(n.inputs[1]).shape[2:])} or {(1,) * rank}
    if len(settings) != 1 or len(spread) != 1:
        return None
    group, strides, auto_pad = next(iter(settings))
    strides, dilations = list(strides), list(next(iter(spread)))
    if auto_pad != "NOTSET":
        return None
    branches = [_conv_branch(n, rank) if n.op_type == "Conv" else _identity_branch(n, template_weight, group, rank)
                for n in nodes]
    if any(b is None for b in branches) or len({b.weight.shape[:2] for b in branches}) != 1:
        return None
    if any(b.node.op_type != "Conv" for b in branches) and strides != [1] * rank:
        return None
    layout = _layout(branches, dilations)
    if layout is None:
        return None
    kernel, begin, end, offsets = layout
    weight = np.zeros((*branches[0].weight.shape[:2], *kernel))
    for branch, offset, (_, coefficient) in zip(branches, offsets, weighted):
        window = tuple(slice(o, o + k) for o, k in zip(offset, branch.weight.shape[2:]))
        weight[(slice(None), slice(None), *window)] += coefficient * branch.weight
    bias = sum(coefficient * b.bias for b, (_, coefficient) in zip(branches, weighted))
    stem, dtype = template.name or "conv", template_weight.dtype
    inputs = [template.inputs[0], add_initializer(graph, f"{stem}_merged_weight", weight.astype(dtype)),
              add_initializer(graph, f"{stem}_merged_bias", bias.astype(dtype))]
    attributes = [ir.AttrInt64("group", group), ir.AttrInt64s("strides", strides),
                  ir.AttrInt64s("dilations", dilations), ir.AttrInt64s("kernel_shape", kernel),
                  ir.AttrInt64s("pads", begin + end)]
    node = ir.Node("", "Conv", inputs, attributes, name=fresh_name(graph, f"{stem}_merged"))
    node.metadata_props.update(template.metadata_props)
    node.outputs[0].name = fresh_name(graph, f"{stem}_merged_out")
    node.outputs[0].shape, node.outputs[0].type = template.outputs[0].shape, template.outputs[0].type
    return node


def _conv_branch(conv: ir.Node, rank: int) -> _Branch | None:
    weight = constant_array(conv.inputs[1])
    bias = constant_array(conv.inputs[2]) if len(conv.inputs) > 2 and conv.inputs[2] is not None else None
    if weight.ndim != rank + 2 or (len(conv.inputs) > 2 and conv.inputs[2] is not None and bias is None):
        return None
    pads = ints_attr(conv, "pads") or [0] * (2 * rank)
    return _Branch(conv, weight.astype(np.float64),
                   np.zeros(weight.shape[0]) if bias is None else bias.astype(np.float64), pads[:rank], pads[rank:])


def _identity_branch(norm: ir.Node, template_weight: np.ndarray, group: int, rank: int) -> _Branch | None:
    """x * scale + shift as a one-tap kernel: output channel c reads input channel c, which is index
    c % (channels / groups) inside its group."""
    scale, shift = inference_affine(norm)
    channels, per_group = template_weight.shape[0], template_weight.shape[1]
    if scale.shape != (channels,) or per_group * group != channels:
        return None
    weight = np.zeros((channels, per_group, *[1] * rank))
    weight[(np.arange(channels), np.arange(channels) % per_group, *[0] * rank)] = scale
    return _Branch(norm, weight, shift, [0] * rank, [0] * rank)


def _layout(branches: list[_Branch], dilations: list[int]):
    """(kernel, pads before, pads after, each branch's tap offset) of the merged conv, or None when some
    branch's taps do not land on whole taps of it or its output size would differ."""
    rank = len(dilations)
    kernel = [max(b.weight.shape[2 + axis] for b in branches) for axis in range(rank)]
    begin = [max(b.begin[axis] for b in branches) for axis in range(rank)]
    offsets = []
    for branch in branches:
        offset = []
        for axis, dilation in enumerate(dilations):
            shift, size = begin[axis] - branch.begin[axis], branch.weight.shape[2 + axis]
            if shift % dilation or shift // dilation + size > kernel[axis]:
                return None
            offset.append(shift // dilation)
        offsets.append(offset)
    ends = {tuple(b.end[axis] + (kernel[axis] - b.weight.shape[2 + axis] - o[axis]) * dilations[axis]
                  for axis in range(rank)) for b, o in zip(branches, offsets)}
    if len(ends) != 1:
        return None
    return kernel, begin, list(next(iter(ends))), offsets


def _sum_into(graph: ir.Graph, terms: list[tuple[ir.Value, int]], root: ir.Node) -> None:
    """The signed sum of `terms` (the first positive) takes the place of `root`'s output: a chain of Adds and
    Subs, or the one term itself."""
    total = terms[0][0]
    for term, sign in terms[1:]:
        add = ir.Node("", "Add" if sign > 0 else "Sub", [total, term],
                      name=fresh_name(graph, f"{root.name or 'add'}_sum"))
        add.outputs[0].name = fresh_name(graph, "sum_out")
        add.outputs[0].shape, add.outputs[0].type = root.outputs[0].shape, root.outputs[0].type
        graph.insert_before(root, add)
        total = add.outputs[0]
    redirect_uses(graph, root.outputs[0], total)
