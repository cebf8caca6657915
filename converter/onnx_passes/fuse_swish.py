"""FuseSwishPass: swish / SiLU as exported, Mul(x, Sigmoid(x)) in either operand order, becomes one
converter.fused::Swish(x) (PyTorch's nn.SiLU: Llama / Mistral / Qwen2 MLPs, EfficientNet, MobileViT, CoAtNet,
MaxViT's squeeze-excitations).

Its translation picks the form by size (converter/tf_ops/_swish.py): under oneDNN, TF's default on AVX-512 CPUs,
grappler's remapper turns the pair into _MklSwish, which costs 60-150 us per call whatever the size; a small
one (the SiLU inside a squeeze-excitation, a small transformer's MLP) runs as two Eigen kernels instead, a large
one stays the pair the remapper fuses (into the convolution before it, where it can).
A Sigmoid read by anything else (a gate, a graph output) is left alone. Runs before FuseLinearLayerPass, which
would otherwise take the Sigmoid into the linear layer before it.
"""
from __future__ import annotations

import logging

import onnx_ir as ir

from converter.onnx_passes._layout import fresh_name, redirect_uses
from converter.onnx_passes._match import fusion_result, is_standard, other_input, sole_user
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FuseSwishPass"]

logger = logging.getLogger(__name__)


class FuseSwishPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        fused = sum(_fuse(graph, node) for node in list(graph) if is_standard(node, "Sigmoid"))
        return fusion_result(model, fused, logger, "FuseSwishPass: %d swish (SiLU) patterns fused")


def _fuse(graph: ir.Graph, sigmoid: ir.Node) -> bool:
    x = sigmoid.inputs[0]
    mul = sole_user(sigmoid.outputs[0])
    if not is_standard(mul, "Mul") or other_input(mul, sigmoid.outputs[0]) is not x:
        return False
    output = mul.outputs[0]
    swish = ir.Node(FUSED_DOMAIN, "Swish", [x], name=fresh_name(graph, f"{sigmoid.name or 'silu'}_swish"))
    swish.outputs[0].name = fresh_name(graph, "swish_out")
    swish.outputs[0].shape, swish.outputs[0].type = output.shape, output.type
    graph.insert_before(mul, swish)
    redirect_uses(graph, output, swish.outputs[0])
    graph.remove([mul, sigmoid], safe=True)
    return True
