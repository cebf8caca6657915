"""FoldChannelScaleIntoConvPass: a Conv output multiplied by a constant per output channel (a layer scale:
PoolFormer's and EfficientFormerV2's `x + layer_scale * mlp(x)`, FastViT's RepMixer once its branches are
merged) becomes part of the Conv: W' = W * s, B' = B * s.

The Mul is a pass over the activation on every request, and it stands between the Conv and the residual Add,
which FuseResidualAddPass (later) then folds into the convolution as well. Matched: a Conv with constant
weights (and bias) whose output only the Mul reads, the other factor a constant scalar or of shape
[..., C, 1, ..., 1] against the Conv's [N, C, spatial...] (one factor per output channel, so the Mul changes
no shape).
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, allow_free_initializers, constant_array, redirect_uses
from converter.onnx_passes._match import is_standard, other_input, sole_user

__all__ = ["FoldChannelScaleIntoConvPass"]

logger = logging.getLogger(__name__)


class FoldChannelScaleIntoConvPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        folded = sum(_fold(graph, conv) for conv in list(graph) if is_standard(conv, "Conv"))
        if folded:
            allow_free_initializers(model)
            logger.debug("FoldChannelScaleIntoConvPass: %d per-channel scales folded into convolutions", folded)
        return ir.passes.PassResult(model, bool(folded))


def _fold(graph: ir.Graph, conv: ir.Node) -> bool:
    output = conv.outputs[0]
    mul = sole_user(output)
    if not is_standard(mul, "Mul"):
        return False
    weight, factor = constant_array(conv.inputs[1]), constant_array(other_input(mul, output))
    has_bias = len(conv.inputs) > 2 and conv.inputs[2] is not None
    bias = constant_array(conv.inputs[2]) if has_bias else None
    if weight is None or factor is None or (has_bias and bias is None) or factor.dtype != weight.dtype:
        return False
    scale = _per_channel(factor, weight.shape[0], weight.ndim)
    if scale is None:
        return False
    stem = conv.name or "conv"
    conv.replace_input_with(1, add_initializer(graph, f"{stem}_scaled_weight", (
        weight.astype(np.float64) * scale.reshape(-1, *[1] * (weight.ndim - 1))).astype(weight.dtype)))
    if has_bias:
        conv.replace_input_with(2, add_initializer(graph, f"{stem}_scaled_bias",
                                                   (bias.astype(np.float64) * scale).astype(bias.dtype)))
    redirect_uses(graph, mul.outputs[0], output)
    graph.remove(mul, safe=True)
    return True


def _per_channel(factor: np.ndarray, channels: int, rank: int) -> np.ndarray | None:
    """The factor as one value per output channel when it broadcasts against the conv's [N, C, spatial...]
    output as a scalar or along C only; else None."""
    if factor.ndim > rank:
        return None
    padded = factor.reshape((1,) * (rank - factor.ndim) + factor.shape)
    if any(size != 1 for axis, size in enumerate(padded.shape) if axis != 1) or padded.shape[1] not in (1, channels):
        return None
    return np.broadcast_to(padded.reshape(-1).astype(np.float64), (channels,))
