"""FoldActivationScalePass: the constant factor of an activation moves into the linear layers it feeds.

Exact GELU is `0.5 * x * (1 + erf(x / sqrt 2))` and HardSwish `x * relu6(x + 3) / 6`: with Eigen's kernels TF
runs each operation as one pass over the activation (five for GELU, four for HardSwish; ONNX Runtime has
one kernel each), and the last one only scales. When every reader of the activation is a linear layer with a
constant weight (a Conv, MatMul, Gemm or converter.fused::Linear reading it as its data input), that scale is
paid once, on the weights: the activation becomes `converter.fused::Gelu` / `converter.fused::HardSwish` with
`scale` 2 or 6 (the output is `scale` times the activation, which the translation computes without the
factor: `x * (1 + erf(x / sqrt 2))`, `x * relu6(x + 3)`) and each reader's weight is divided by it.
Matched where the exporters put these after a convolution: EfficientFormerV2, FastViT, PoolFormer, CoAtNet,
MaxViT (GELU), MobileNetV3 and LeViT (HardSwish). An activation that feeds anything else (a residual Add, the
squeeze-excitation's pooling) is left as it is. Runs after FuseGeluPass and FuseLinearLayerPass (a GELU
inside a fused linear layer is part of TF's fused MatMul kernel and stays there).
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, fresh_name, int_attr, redirect_uses
from converter.onnx_passes._match import folding_result, is_standard
from converter.tf_ops.fused import FOLDED_SCALES, FUSED_DOMAIN

__all__ = ["FoldActivationScalePass"]

logger = logging.getLogger(__name__)


class FoldActivationScalePass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        folded = sum(_fold(model.graph, node) for node in list(model.graph) if _activation(node) is not None)
        return folding_result(model, folded, logger,
                              "FoldActivationScalePass: %d activation scales folded into linear layers", FUSED_DOMAIN)


def _activation(node: ir.Node) -> str | None:
    """'Gelu' (exact, standard or fused, not yet scaled) or 'HardSwish' (standard), else None."""
    if is_standard(node, "HardSwish"):
        return "HardSwish"
    is_gelu = is_standard(node, "Gelu") or (node.domain == FUSED_DOMAIN and node.op_type == "Gelu")
    if not is_gelu or "scale" in node.attributes:
        return None
    approximate = node.attributes.get("approximate")
    return "Gelu" if approximate is None or approximate.value == "none" else None


def _fold(graph: ir.Graph, node: ir.Node) -> bool:
    out = node.outputs[0]
    if out.is_graph_output() or not out.uses():
        return False
    readers = list(out.uses())
    if any(index != 0 or not _is_linear_layer(reader) for reader, index in readers):
        return False
    kind = _activation(node)
    scale = FOLDED_SCALES[kind]
    for reader, _ in readers:
        weight = constant_array(reader.inputs[1])
        scaled = (weight.astype(np.float64) / scale).astype(weight.dtype)
        reader.replace_input_with(1, add_initializer(graph, f"{reader.name or reader.op_type}_{kind.lower()}_scaled",
                                                     scaled))
    stem = node.name or kind.lower()
    fused = ir.Node(FUSED_DOMAIN, kind, [node.inputs[0]], [ir.AttrFloat32("scale", scale)],
                    name=fresh_name(graph, f"{stem}_scaled"))
    fused.outputs[0].name = fresh_name(graph, f"{stem}_scaled_out")
    fused.outputs[0].shape, fused.outputs[0].type = out.shape, out.type
    graph.insert_before(node, fused)
    redirect_uses(graph, out, fused.outputs[0])
    graph.remove(node, safe=True)
    return True


def _is_linear_layer(reader: ir.Node) -> bool:
    """A linear layer whose data input is input 0 and whose weight, input 1, is a floating constant (Gemm only
    with A untransposed, so that the weight is its right-hand side)."""
    linear = (is_standard(reader, "Conv", "MatMul") or (is_standard(reader, "Gemm") and not int_attr(reader, "transA"))
              or (reader.domain == FUSED_DOMAIN and reader.op_type == "Linear"))
    if not linear or len(reader.inputs) < 2 or reader.inputs[1] is None:
        return False
    weight = constant_array(reader.inputs[1])
    return weight is not None and weight.dtype.kind == "f"
