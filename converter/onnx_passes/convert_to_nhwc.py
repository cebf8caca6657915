"""ConvertToNhwcPass: channel-first ops become their converter.nhwc form, wrapped in Transposes.

    x -> Conv -> y      becomes      x -> Transpose(to NHWC) -> nhwc::Conv -> Transpose(to NCHW) -> y

TF's CPU conv/pool kernels are channels-last, so the translation of an NHWC op needs no transposes of
its own; the wrapping ones are then pushed through layout-agnostic ops and cancelled in pairs by
CancelTransposesPass, leaving transposes only where a region meets a layout-sensitive op.
Conv/ConvTranspose weights that are initializers are rewritten once, here, into TF's order
(Conv: [*k, C_in/group, C_out]; ConvTranspose: [*k, C_out/group, C_in]); other weights get a Transpose.
BatchNormalization/InstanceNormalization/LRN join only in graphs that have a spatial op to convert (in a
model without conv/pool they would just add two transposes).
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (NHWC_DOMAIN, add_initializer, allow_free_initializers, constant_array,
                                           ensure_shapes, fresh_name,
                                           int_attr,
                                           make_transpose, permuted_shape, redirect_uses, to_first, to_last)

__all__ = ["ConvertToNhwcPass", "NHWC_DOMAIN", "SPATIAL_OPS", "NORM_OPS"]

logger = logging.getLogger(__name__)

SPATIAL_OPS = ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool")
NORM_OPS = ("BatchNormalization", "InstanceNormalization", "LRN")
_WEIGHT_PERMS = {"Conv": lambda r: [*range(2, r), 1, 0], "ConvTranspose": lambda r: [*range(2, r), 1, 0]}


class ConvertToNhwcPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        ensure_shapes(model, SPATIAL_OPS + NORM_OPS)
        graph = model.graph
        candidates = [n for n in graph if _convertible(n)]
        has_spatial = any(n.op_type in SPATIAL_OPS for n in candidates)
        chosen = [n for n in candidates if n.op_type in SPATIAL_OPS or has_spatial]
        for node in chosen:
            _wrap(graph, node)
        if chosen:
            model.opset_imports.setdefault(NHWC_DOMAIN, 1)
            logger.debug("ConvertToNhwcPass: %d ops now channels-last", len(chosen))
        if bool(chosen):
            allow_free_initializers(model)
        return ir.passes.PassResult(model, bool(chosen))


def _convertible(node: ir.Node) -> bool:
    if node.domain not in ("", "ai.onnx") or node.op_type not in SPATIAL_OPS + NORM_OPS:
        return False
    x = node.inputs[0]
    if x is None or x.shape is None or not 3 <= len(x.shape) <= 5:
        return False
    live_outputs = [o for o in node.outputs if o.uses() or o.is_graph_output()]
    if len(live_outputs) != 1 or live_outputs[0] is not node.outputs[0]:
        return False         # MaxPool Indices, training-mode BatchNormalization statistics
    if node.op_type == "BatchNormalization" and int_attr(node, "training_mode"):
        return False
    return True


def _wrap(graph: ir.Graph, node: ir.Node) -> None:
    x, y = node.inputs[0], node.outputs[0]
    rank = len(x.shape)
    stem = node.name or node.op_type
    into = make_transpose(graph, x, to_last(rank), f"{stem}_to_nhwc")
    inputs = [into.outputs[0], *[_weight(graph, node, i, rank) for i in range(1, len(node.inputs))]]
    nhwc = ir.Node(NHWC_DOMAIN, node.op_type, inputs, list(node.attributes.values()), name=f"{stem}_nhwc")
    inner = nhwc.outputs[0]
    inner.name = fresh_name(graph, f"{stem}_nhwc_out")
    inner.type = y.type
    inner.shape = permuted_shape(y.shape, to_last(rank))
    back = make_transpose(graph, inner, to_first(rank), f"{stem}_to_nchw")
    graph.insert_before(node, [into, nhwc, back])
    redirect_uses(graph, y, back.outputs[0])
    graph.remove(node, safe=True)
    for value in node.inputs[1:]:          # weights now only held in TF order
        if value is not None and value.is_initializer() and not value.uses() and not value.is_graph_output():
            graph.initializers.pop(value.name, None)


def _weight(graph: ir.Graph, node: ir.Node, index: int, rank: int) -> ir.Value | None:
    """The node's input `index` in the NHWC op's order: conv weights re-laid out, others unchanged."""
    value = node.inputs[index]
    if value is None or index != 1 or node.op_type not in _WEIGHT_PERMS:
        return value
    perm = _WEIGHT_PERMS[node.op_type](rank)
    array = constant_array(value)
    if array is not None and value.is_initializer():
        return add_initializer(graph, f"{value.name}_tf_layout", np.ascontiguousarray(array.transpose(perm)))
    transpose = make_transpose(graph, value, perm, f"{node.name or node.op_type}_weight_to_tf")
    graph.insert_before(node, transpose)
    return transpose.outputs[0]
