"""FoldBatchNormIntoLinearPass: an inference BatchNormalization over a linear layer's output features becomes
part of that layer (W' = W * s per output feature, b' = b * s + beta - mean * s, s = gamma / sqrt(var + eps)).

Matched: a 2-D BatchNormalization input [M, C] (its channel axis is then the last one) produced by MatMul
(X @ W, optionally + a bias Add) or Gemm with constant weights of C output features, directly (an MLP's Linear ->
BatchNorm1d) or through a Reshape or Flatten to [M, C] (LeViT's `bn(linear(x).flatten(0, 1))`: a row-major
reshape that ends on the same C features keeps every feature on the last axis). Every value in between must be
read by the next node only (or by a Shape node: the fold keeps shapes). The BatchNorm's output may be a graph
output (an embedding head ending in BatchNorm1d): the layer's output takes its name. Unfolded, TF computes the
normalisation on every request as Sub, Rsqrt, Mul and Add over the activation (LeViT-128S: 46 of them);
folded, a MatMul's new bias is an Add that FuseLinearLayerPass (after this pass) takes into one fused kernel
with the MatMul.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (add_initializer, constant_array, ensure_shapes,
                                           fresh_name, int_attr, redirect_uses)
from converter.onnx_passes._match import folding_result, is_standard, other_input
from converter.onnx_passes.fold_batch_norm import inference_affine

__all__ = ["FoldBatchNormIntoLinearPass"]

logger = logging.getLogger(__name__)


class FoldBatchNormIntoLinearPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        ensure_shapes(model, ("BatchNormalization",))       # the rank of its input says where the channels are
        graph = model.graph
        folded = sum(_fold(graph, norm) for norm in list(graph) if is_standard(norm, "BatchNormalization"))
        return folding_result(model, folded, logger,
                              "FoldBatchNormIntoLinearPass: %d BatchNormalization folded into linear layers")


def _fold(graph: ir.Graph, norm: ir.Node) -> bool:
    features = norm.inputs[0]
    affine = inference_affine(norm)
    if affine is None or not _read_only_by(features, norm) or not _features_last(features, affine[0].size):
        return False
    layer_out = features
    reshape = features.producer()
    if is_standard(reshape, "Reshape", "Flatten"):
        layer_out = reshape.inputs[0]
        if not _read_only_by(layer_out, reshape):
            return False
    layer = layer_out.producer()
    if is_standard(layer, "Gemm"):
        folded = _fold_gemm(graph, layer, *affine)
    elif is_standard(layer, "Add"):
        folded = _fold_matmul_add(graph, layer, *affine)
    elif is_standard(layer, "MatMul"):
        folded = _fold_matmul(graph, layer, *affine)
    else:
        return False
    if folded:        # the BatchNorm's input is now the layer's (or its bias Add's) output, or the reshape's
        redirect_uses(graph, norm.outputs[0], norm.inputs[0])
        graph.remove(norm, safe=True)
    return folded


def _read_only_by(value: ir.Value, reader: ir.Node) -> bool:
    """Its values read by `reader` alone (a Shape node may read its shape, which the fold keeps)."""
    return not value.is_graph_output() and all(user is reader or is_standard(user, "Shape")
                                               for user, _ in value.uses())


def _features_last(features: ir.Value, channels: int) -> bool:
    """[M, C] with C static: BatchNormalization's channel axis (1) is the last axis, where a layer's features are."""
    shape = features.shape
    return shape is not None and len(shape) == 2 and shape[1] == channels


def _matmul_weight(matmul: ir.Node, channels: int) -> np.ndarray | None:
    weight = constant_array(matmul.inputs[1])
    return weight if weight is not None and weight.ndim == 2 and weight.shape[1] == channels else None


def _fold_matmul(graph: ir.Graph, matmul: ir.Node, scale: np.ndarray, shift: np.ndarray) -> bool:
    """X @ W -> X @ W' + shift (the Add inserted after the MatMul)."""
    weight = _matmul_weight(matmul, scale.size)
    if weight is None:
        return False
    _replace(graph, matmul, 1, weight * scale)
    output = matmul.outputs[0]
    bias = add_initializer(graph, f"{matmul.name or 'matmul'}_bn_bias", shift.astype(weight.dtype))
    add = ir.Node("", "Add", [output, bias], name=fresh_name(graph, f"{matmul.name or 'matmul'}_bn_add"))
    add.outputs[0].name = fresh_name(graph, "bn_bias_out")
    add.outputs[0].shape, add.outputs[0].type = output.shape, output.type
    graph.insert_after(matmul, add)
    redirect_uses(graph, output, add.outputs[0], exclude=add)
    return True


def _fold_matmul_add(graph: ir.Graph, add: ir.Node, scale: np.ndarray, shift: np.ndarray) -> bool:
    """X @ W + b -> X @ W' + b' (both constants replaced in place)."""
    matmul = next((v.producer() for v in add.inputs if is_standard(v.producer(), "MatMul")), None)
    if matmul is None or not _read_only_by(matmul.outputs[0], add):
        return False
    bias_value = other_input(add, matmul.outputs[0])
    weight, bias = _matmul_weight(matmul, scale.size), constant_array(bias_value)
    if weight is None or bias is None or bias.shape[-1:] != scale.shape or bias.size != scale.size:
        return False
    _replace(graph, matmul, 1, weight * scale)
    _replace(graph, add, list(add.inputs).index(bias_value), bias.reshape(-1) * scale + shift, bias.dtype)
    return True


def _fold_gemm(graph: ir.Graph, gemm: ir.Node, scale: np.ndarray, shift: np.ndarray) -> bool:
    """alpha * A @ B + beta * C: B's output features and C scaled, shift / beta added to C (C = shift, beta = 1
    when there was none)."""
    weight = constant_array(gemm.inputs[1])
    features_axis = 0 if int_attr(gemm, "transB") else 1
    if weight is None or weight.ndim != 2 or weight.shape[features_axis] != scale.size:
        return False
    beta = gemm.attributes["beta"].value if "beta" in gemm.attributes else 1.0
    has_bias = len(gemm.inputs) > 2 and gemm.inputs[2] is not None
    bias = constant_array(gemm.inputs[2]) if has_bias else None
    if has_bias and (bias is None or bias.shape[-1:] not in ((scale.size,), (1,)) or beta == 0):
        return False
    _replace(graph, gemm, 1, weight * (scale if features_axis == 1 else scale[:, None]))
    if has_bias:
        new_bias = np.broadcast_to(bias, (*bias.shape[:-1], scale.size)) * scale + shift / beta
    else:
        new_bias = shift
        gemm.attributes["beta"] = ir.AttrFloat32("beta", 1.0)
        gemm.resize_inputs(3)
    _replace(graph, gemm, 2, new_bias, weight.dtype)
    return True


def _replace(graph: ir.Graph, node: ir.Node, index: int, array: np.ndarray, dtype=None) -> None:
    """Input `index` of `node` becomes a new initializer of `array` (in the dtype of the array it replaces)."""
    dtype = dtype or constant_array(node.inputs[index]).dtype
    node.replace_input_with(index, add_initializer(graph, f"{node.name or node.op_type}_bn_folded",
                                                   np.asarray(array, np.float64).astype(dtype)))
