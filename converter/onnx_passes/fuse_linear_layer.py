"""FuseLinearLayerPass: a linear layer over tokens, MatMul(X[..., K], W[K, N]) followed by an Add of a bias
over its last axis and/or an activation (Relu, Sigmoid, Tanh, Gelu: ONNX's or converter.fused's),
becomes one converter.fused::Linear(X, W[, B]) with `activation` (and Gelu's `approximate`) attributes.

Its translation runs reshape -> 2-D MatMul -> BiasAdd -> activation -> reshape, which grappler's remapper
fuses into one oneDNN kernel (_FusedMatMul[BiasAdd, Relu] and so on). Translated op by op, the reshape back
to [..., N] would stand between the MatMul and the bias and activation, and nothing would fuse.
Matched: float32/float64, W of rank 2, X of rank 3 or more, a bias of shape [N]. (The translation falls
back to the ops it replaced where TF's shapes do not allow the 2-D form.) An intermediate value that is
used elsewhere or is a graph output ends the match there. 2-D layers (Gemm, or MatMul + Add on [batch, K])
are left alone: TF fuses those as they are.
Runs after FuseGeluPass, so that the converter.fused::Gelu it writes is taken in too.
"""
from __future__ import annotations

import logging

import onnx_ir as ir

from converter.onnx_passes._layout import fresh_name, redirect_uses
from converter.onnx_passes._match import fusion_result, is_standard, other_input, sole_user
from converter.tf_ops.fused import FUSED_DOMAIN, LINEAR_ACTIVATIONS

__all__ = ["FuseLinearLayerPass"]

logger = logging.getLogger(__name__)

_FLOATS = (ir.DataType.FLOAT, ir.DataType.DOUBLE)


class FuseLinearLayerPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        fused = sum(_fuse(graph, node) for node in list(graph) if is_standard(node, "MatMul"))
        return fusion_result(model, fused, logger, "FuseLinearLayerPass: %d linear layers fused")


def _fuse(graph: ir.Graph, matmul: ir.Node) -> bool:
    x, weight = matmul.inputs
    if not _token_linear(x, weight):
        return False
    absorbed, output, bias = [matmul], matmul.outputs[0], None
    add = sole_user(output)
    if is_standard(add, "Add") and _is_bias(other_input(add, output), weight):
        bias, output = other_input(add, output), add.outputs[0]
        absorbed.append(add)
    activation = sole_user(output)
    if _is_activation(activation):
        output = activation.outputs[0]
        absorbed.append(activation)
    else:
        activation = None
    if len(absorbed) == 1:
        return False                         # a bare MatMul: its own translation is the same
    # inserted after the bias's producer, before the output's users
    insert_linear(graph, [x, weight] + ([bias] if bias is not None else []), _attributes(activation), matmul,
                  output, before=absorbed[-1])
    graph.remove(absorbed[::-1], safe=True)
    return True


def insert_linear(graph: ir.Graph, inputs: list[ir.Value], attributes: list[ir.Attr], matmul: ir.Node,
                  output: ir.Value, before: ir.Node) -> ir.Node:
    """A converter.fused::Linear over `inputs` that takes `output`'s place (its readers, shape and type), named
    after and keeping the PyTorch-layer metadata of the `matmul` it stems from, inserted before `before`."""
    linear = ir.Node(FUSED_DOMAIN, "Linear", inputs, attributes,
                     name=fresh_name(graph, f"{matmul.name or 'MatMul'}_linear"))
    linear.metadata_props.update(matmul.metadata_props)
    linear.outputs[0].name = fresh_name(graph, "linear_out")
    linear.outputs[0].shape, linear.outputs[0].type = output.shape, output.type
    graph.insert_before(before, linear)
    redirect_uses(graph, output, linear.outputs[0])
    return linear


def _attributes(activation: ir.Node | None) -> list[ir.Attr]:
    if activation is None:
        return []
    approximate = activation.attributes.get("approximate")
    return [ir.AttrString("activation", activation.op_type), *([approximate] if approximate is not None else [])]


def _token_linear(x: ir.Value | None, weight: ir.Value | None) -> bool:
    """X of rank 3 or more, W of rank 2, float32/float64 (X's rank and dtype may be unknown: models without
    value_info, or after another fused op; the translation then sees them)."""
    if x is None or weight is None or weight.shape is None or len(weight.shape) != 2:
        return False
    if x.shape is not None and len(x.shape) < 3:
        return False
    return weight.dtype in _FLOATS and x.dtype in (None, weight.dtype)


def _is_bias(value: ir.Value | None, weight: ir.Value) -> bool:
    """A vector of the layer's width, of its dtype."""
    if value is None or value.shape is None or len(value.shape) != 1 or value.dtype != weight.dtype:
        return False
    width = weight.shape[1]
    return isinstance(width, int) and value.shape[0] == width


def _is_activation(node: ir.Node | None) -> bool:
    if node is None or len(node.inputs) != 1:
        return False
    return is_standard(node, *LINEAR_ACTIVATIONS) or (node.domain == FUSED_DOMAIN and node.op_type == "Gelu")
