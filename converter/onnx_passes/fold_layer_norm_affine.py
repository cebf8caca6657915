"""FoldLayerNormAffinePass: a LayerNormalization's scale and bias move into the linear layers it feeds.

Pre-norm transformers (ViT, CLIP, GPT-2, Whisper, Swin's MLP) and ConvNeXt normalise and then only project:
`(x̂ * gamma + beta) @ W + b = x̂ @ (gamma[:, None] * W) + (beta @ W + b)`. TF runs gamma and beta as a Mul and
an Add over the whole activation, two of the seven passes a LayerNormalization costs it (ONNX Runtime fuses
them into its kernel); folded here they are paid once, on the weights. Matched: normalisation over the last
axis with a constant 1-D scale (and bias), every reader a converter.fused::Linear or a MatMul with a constant
[C, N] weight (constant biases), the normalised value not a graph output. The LayerNormalization keeps a
unit scale, which its translation skips. A post-norm block (BERT), whose normalised value also feeds the
residual Add, is left alone. Runs after FuseLinearLayerPass, whose Linear nodes it rewrites.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, int_attr
from converter.onnx_passes._match import folding_result, is_standard
from converter.onnx_passes.fuse_linear_layer import insert_linear
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FoldLayerNormAffinePass"]

logger = logging.getLogger(__name__)


class FoldLayerNormAffinePass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        folded = sum(_fold(model.graph, node) for node in list(model.graph) if is_standard(node, "LayerNormalization"))
        return folding_result(model, folded, logger,
                              "FoldLayerNormAffinePass: %d LayerNormalization scales/biases folded into linear layers",
                              FUSED_DOMAIN)


def _fold(graph: ir.Graph, norm: ir.Node) -> bool:
    out = norm.outputs[0]
    if out.is_graph_output() or not out.uses() or any(o.uses() or o.is_graph_output() for o in norm.outputs[1:]):
        return False
    rank = len(norm.inputs[0].shape) if norm.inputs[0].shape is not None else None
    axis = int_attr(norm, "axis", -1)
    if axis != -1 and (rank is None or axis != rank - 1):
        return False
    scale = constant_array(norm.inputs[1])
    has_bias = len(norm.inputs) > 2 and norm.inputs[2] is not None
    bias = constant_array(norm.inputs[2]) if has_bias else None
    if scale is None or scale.ndim != 1 or (has_bias and (bias is None or bias.shape != scale.shape)):
        return False
    if np.all(scale == 1) and (bias is None or not np.any(bias)):
        return False                    # nothing to fold (already a unit scale)
    layers = [user for user, index in out.uses()]
    if any(index != 0 or not _folds_into(user, scale.shape[0]) for user, index in out.uses()):
        return False
    for layer in layers:
        _fold_into(graph, layer, scale, bias)
    norm.replace_input_with(1, add_initializer(graph, f"{norm.name or 'layer_norm'}_unit_scale",
                                               np.ones([1], scale.dtype)))
    if has_bias:
        norm.resize_inputs(2)
    return True


def _folds_into(layer: ir.Node, width: int) -> bool:
    """A linear layer over the normalised axis with constant weights (and bias)."""
    if not (is_standard(layer, "MatMul") or (layer.domain == FUSED_DOMAIN and layer.op_type == "Linear")):
        return False
    weight = constant_array(layer.inputs[1])
    if weight is None or weight.ndim != 2 or weight.shape[0] != width or weight.dtype.kind != "f":
        return False
    return len(layer.inputs) < 3 or layer.inputs[2] is None or constant_array(layer.inputs[2]) is not None


def _fold_into(graph: ir.Graph, layer: ir.Node, scale: np.ndarray, bias: np.ndarray | None) -> None:
    weight = constant_array(layer.inputs[1])
    stem = layer.name or layer.op_type
    wide = weight.astype(np.float64)
    layer.replace_input_with(1, add_initializer(graph, f"{stem}_norm_scaled", (scale[:, None] * wide).astype(weight.dtype)))
    if bias is None or not np.any(bias):
        return
    shift = bias.astype(np.float64) @ wide
    own = constant_array(layer.inputs[2]) if len(layer.inputs) > 2 and layer.inputs[2] is not None else None
    new_bias = add_initializer(graph, f"{stem}_norm_bias", (shift + (0.0 if own is None else own)).astype(weight.dtype))
    if layer.domain == FUSED_DOMAIN:
        if len(layer.inputs) < 3:
            layer.resize_inputs(3)
        layer.replace_input_with(2, new_bias)
        return
    # a bare MatMul gains a bias: it becomes the fused linear layer with one
    insert_linear(graph, [layer.inputs[0], layer.inputs[1], new_bias], [], layer, layer.outputs[0], before=layer)
    graph.remove(layer, safe=True)
