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

from converter.onnx_passes._layout import add_initializer, allow_free_initializers, constant_array, int_attr

__all__ = ["FoldBatchNormIntoConvPass"]

logger = logging.getLogger(__name__)


class FoldBatchNormIntoConvPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        folded = 0
        for norm in list(graph):
            if norm.op_type == "BatchNormalization" and norm.domain in ("", "ai.onnx") and _fold(graph, norm):
                folded += 1
        if folded:
            allow_free_initializers(model)
            logger.debug("FoldBatchNormIntoConvPass: %d BatchNormalization folded", folded)
        return ir.passes.PassResult(model, bool(folded))


def _fold(graph: ir.Graph, norm: ir.Node) -> bool:
    conv = norm.inputs[0].producer()
    if (conv is None or conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx")
            or int_attr(norm, "training_mode") or len(norm.inputs) < 5):
        return False
    conv_out = conv.outputs[0]
    if len(conv_out.uses()) != 1 or conv_out.is_graph_output():
        return False
    if norm.outputs[0].is_graph_output() or any(o.uses() or o.is_graph_output() for o in norm.outputs[1:]):
        return False
    arrays = [constant_array(v) for v in (conv.inputs[1], *norm.inputs[1:5])]
    bias = constant_array(conv.inputs[2]) if len(conv.inputs) > 2 and conv.inputs[2] is not None else None
    if any(a is None for a in arrays) or (len(conv.inputs) > 2 and conv.inputs[2] is not None and bias is None):
        return False
    weight, gamma, beta, mean, var = (a.astype(np.float64) for a in arrays)
    if weight.ndim < 3 or gamma.shape != (weight.shape[0],):
        return False
    epsilon = norm.attributes["epsilon"].value if "epsilon" in norm.attributes else 1e-5
    scale = gamma / np.sqrt(var + epsilon)
    dtype = arrays[0].dtype
    new_weight = (weight * scale.reshape(-1, *[1] * (weight.ndim - 1))).astype(dtype)
    new_bias = (((bias.astype(np.float64) if bias is not None else 0.0) - mean) * scale + beta).astype(dtype)
    stem = conv.name or "conv"
    conv.replace_input_with(1, add_initializer(graph, f"{stem}_bn_weight", new_weight))
    if len(conv.inputs) < 3:
        conv.resize_inputs(3)
    conv.replace_input_with(2, add_initializer(graph, f"{stem}_bn_bias", new_bias))
    for user, index in list(norm.outputs[0].uses()):
        user.replace_input_with(index, conv_out)
    graph.remove(norm, safe=True)
    return True
