"""FoldBatchNormIntoConvPass: an inference BatchNormalization right after a Conv with constant weights
becomes part of that Conv (W' = W * s, B' = (B - mean) * s + beta, s = gamma / sqrt(var + eps)).

TF then sees Conv2D + BiasAdd (+ residual Add) + Relu, which grappler's remapper fuses into one oneDNN
kernel, instead of Conv2D + FusedBatchNorm + AddV2 + Relu (ONNX Runtime folds the same way at load time).
Weights are rewritten once here, so nothing extra runs per request.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, int_attr
from converter.onnx_passes._match import folding_result

__all__ = ["FoldBatchNormIntoConvPass", "inference_affine"]

logger = logging.getLogger(__name__)


class FoldBatchNormIntoConvPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        folded = 0
        for norm in list(graph):
            if norm.op_type == "BatchNormalization" and norm.domain in ("", "ai.onnx") and _fold(graph, norm):
                folded += 1
        return folding_result(model, folded, logger, "FoldBatchNormIntoConvPass: %d BatchNormalization folded")


def inference_affine(norm: ir.Node) -> tuple[np.ndarray, np.ndarray] | None:
    """(scale, shift) in float64 with norm(x) = x * scale + shift per channel, for an inference
    BatchNormalization with constant parameters whose training outputs are unread; else None."""
    if int_attr(norm, "training_mode") or len(norm.inputs) < 5:
        return None
    if any(o.uses() or o.is_graph_output() for o in norm.outputs[1:]):
        return None
    arrays = [constant_array(v) for v in norm.inputs[1:5]]
    if any(a is None for a in arrays):
        return None
    gamma, beta, mean, var = (a.astype(np.float64) for a in arrays)
    epsilon = norm.attributes["epsilon"].value if "epsilon" in norm.attributes else 1e-5
    scale = gamma / np.sqrt(var + epsilon)
    return scale, beta - mean * scale


def _fold(graph: ir.Graph, norm: ir.Node) -> bool:
    conv = norm.inputs[0].producer()
    if conv is None or conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx"):
        return False
    conv_out = conv.outputs[0]
    if len(conv_out.uses()) != 1 or conv_out.is_graph_output() or norm.outputs[0].is_graph_output():
        return False
    affine = inference_affine(norm)
    weight = constant_array(conv.inputs[1])
    bias = constant_array(conv.inputs[2]) if len(conv.inputs) > 2 and conv.inputs[2] is not None else None
    if affine is None or weight is None or (len(conv.inputs) > 2 and conv.inputs[2] is not None and bias is None):
        return False
    scale, shift = affine
    if weight.ndim < 3 or scale.shape != (weight.shape[0],):
        return False
    dtype = weight.dtype
    new_weight = (weight.astype(np.float64) * scale.reshape(-1, *[1] * (weight.ndim - 1))).astype(dtype)
    new_bias = ((bias.astype(np.float64) if bias is not None else 0.0) * scale + shift).astype(dtype)
    stem = conv.name or "conv"
    conv.replace_input_with(1, add_initializer(graph, f"{stem}_bn_weight", new_weight))
    if len(conv.inputs) < 3:
        conv.resize_inputs(3)
    conv.replace_input_with(2, add_initializer(graph, f"{stem}_bn_bias", new_bias))
    for user, index in list(norm.outputs[0].uses()):
        user.replace_input_with(index, conv_out)
    graph.remove(norm, safe=True)
    return True
