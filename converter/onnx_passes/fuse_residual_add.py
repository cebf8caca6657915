"""FuseResidualAddPass: an Add onto a channels-last convolution's output (a residual block's skip
connection) becomes converter.fused::ResidualAdd, which TF runs as AddN where the shapes allow: grappler's
remapper folds an AddN into the convolution before it (Conv + BiasAdd + AddN (+ Relu) as one oneDNN kernel,
_FusedConv2D[BiasAdd,Add,Relu]), while it leaves an AddV2 as a separate pass over memory.

Operands whose shapes are known to differ (an Add that broadcasts) are left alone, as are half floats
(the convolution then ends in a cast, which nothing fuses). Whether the shapes are statically equal is
settled where TF knows them best, in the translation (converter/tf_ops/fused/op_residual_add.py).
Runs after the layout passes: only then does the Add read the converter.nhwc::Conv's output directly.
"""
from __future__ import annotations

import logging

import onnx_ir as ir

from converter.onnx_passes._layout import NHWC_DOMAIN
from converter.onnx_passes._match import fusion_result, is_standard
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FuseResidualAddPass"]

logger = logging.getLogger(__name__)

_CONVOLUTIONS = ("Conv", "ConvTranspose")
_HALF_FLOATS = (ir.DataType.FLOAT16, ir.DataType.BFLOAT16)


class FuseResidualAddPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        if model.opset_imports.get("", 0) < 7:      # Add before 7: legacy broadcast attributes
            return ir.passes.PassResult(model, False)
        fused = 0
        for node in model.graph:
            if is_standard(node, "Add") and _onto_convolution(*node.inputs) and not _shapes_differ(*node.inputs):
                node.domain, node.op_type = FUSED_DOMAIN, "ResidualAdd"
                fused += 1
        return fusion_result(model, fused, logger, "FuseResidualAddPass: %d residual adds fused")


def _onto_convolution(a: ir.Value | None, b: ir.Value | None) -> bool:
    if a is None or b is None or a.dtype in _HALF_FLOATS:
        return False
    producers = (a.producer(), b.producer())
    return any(p is not None and p.domain == NHWC_DOMAIN and p.op_type in _CONVOLUTIONS for p in producers)


def _shapes_differ(a: ir.Value, b: ir.Value) -> bool:
    if a.shape is None or b.shape is None:
        return False
    if len(a.shape) != len(b.shape):
        return True
    return any(isinstance(d, int) and isinstance(e, int) and d != e for d, e in zip(a.shape, b.shape))
