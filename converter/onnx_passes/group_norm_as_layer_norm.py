"""GroupNormAsLayerNormPass: a one-group GroupNorm becomes one LayerNormalization over every non-batch axis.

Both exporters write `nn.GroupNorm(1, C)` (PoolFormer and the other MetaFormers, timm's GroupNorm1) as
`Reshape(x, [B, 1, C*H*W]) -> InstanceNormalization -> Reshape(back to x's shape) -> Mul(gamma) -> Add(beta)`.
The flattening reshape pins the layout: the layout passes cannot move a transpose through it, so every block
of such a network transposes its whole activation four times per request (PoolFormer-S12: 48 transposes).
Normalising over all of C, H, W does not depend on their order, so `LayerNormalization(x, axis=1)` says the same
and a transpose moves through it (its layout rule). The gamma/beta Mul and Add after it stay as they are.
Runs after the ONNX Runtime reference is taken (a translation pass) and before the layout passes.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, ensure_shapes, fresh_name, int_attr

__all__ = ["GroupNormAsLayerNormPass"]

logger = logging.getLogger(__name__)

LAYER_NORM_OPSET = 17


class GroupNormAsLayerNormPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        if model.opset_imports.get("", 0) < LAYER_NORM_OPSET:
            return ir.passes.PassResult(model, False)
        ensure_shapes(model, ("Reshape",))          # the flattened input's sizes
        rewritten = sum(_rewrite(model.graph, node) for node in list(model.graph)
                        if node.op_type == "InstanceNormalization" and node.domain in ("", "ai.onnx"))
        if rewritten:
            logger.debug("GroupNormAsLayerNormPass: %d one-group GroupNorms as LayerNormalization", rewritten)
        return ir.passes.PassResult(model, bool(rewritten))


def _rewrite(graph: ir.Graph, norm: ir.Node) -> bool:
    flatten = norm.inputs[0].producer()
    uses = norm.outputs[0].uses()
    if flatten is None or flatten.op_type != "Reshape" or len(uses) != 1 or len(flatten.outputs[0].uses()) != 1:
        return False
    unflatten = uses[0][0]
    x = flatten.inputs[0]
    if x.shape is None or len(x.shape) < 3 or not all(isinstance(d, int) for d in list(x.shape)[1:]):
        return False
    if unflatten.op_type != "Reshape" or unflatten.outputs[0].is_graph_output() or not _flattens_per_sample(flatten, x):
        return False
    back = _target(unflatten)
    if back is None or back[1:] != list(x.shape)[1:]:
        return False
    scale, bias = constant_array(norm.inputs[1]), constant_array(norm.inputs[2])
    if scale is None or bias is None or scale.size != 1 or bias.size != 1:
        return False          # one group's scale and bias; more groups are not one normalisation
    rank = len(x.shape)
    stem = norm.name or "group_norm"
    epsilon = norm.attributes["epsilon"].value if "epsilon" in norm.attributes else 1e-5
    inputs = [x, add_initializer(graph, f"{stem}_scale", scale.reshape([1] * (rank - 1))),
              add_initializer(graph, f"{stem}_bias", bias.reshape([1] * (rank - 1)))]
    layer_norm = ir.Node("", "LayerNormalization", inputs,
                         [ir.AttrInt64("axis", 1), ir.AttrFloat32("epsilon", float(epsilon))], name=f"{stem}_as_layer_norm")
    out = layer_norm.outputs[0]
    out.name, out.shape, out.type = fresh_name(graph, f"{stem}_layer_norm"), x.shape, x.type
    graph.insert_before(flatten, layer_norm)
    for user, index in list(unflatten.outputs[0].uses()):
        user.replace_input_with(index, out)
    graph.remove([unflatten, norm, flatten], safe=True)
    return True


def _target(reshape: ir.Node) -> list[int] | None:
    """A Reshape's constant target; None when computed at run time."""
    target = constant_array(reshape.inputs[1]) if len(reshape.inputs) > 1 else None
    return None if target is None else [int(t) for t in target.reshape(-1)]


def _flattens_per_sample(flatten: ir.Node, x: ir.Value) -> bool:
    """`flatten` makes x [B, 1, C*H*W...]: its constant target's first entry is the batch (copied with 0, x's
    static batch, or -1 beside a static size), not 1: a `[1, 1, -1]` target would normalise the whole batch
    together."""
    target = _target(flatten)
    if target is None or target[1:] not in ([1, int(np.prod(list(x.shape)[1:]))], [1, -1]):
        return False
    first = target[0]
    return first == 0 and not int_attr(flatten, "allowzero") or first == x.shape[0] or (first == -1 and target[-1] != -1)
