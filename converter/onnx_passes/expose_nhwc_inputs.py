"""ExposeNhwcInputsPass (`--io-layout nhwc`): rank-4/5 graph inputs whose consumers all go straight
into a channels-last region (a Transpose to NHWC after ConvertToNhwcPass/CancelTransposesPass) take
NHWC (NDHWC) in the signature instead, and that first transpose disappears.

The names of the inputs that changed are recorded in the model's metadata_props under
"converter.nhwc_inputs" (comma-separated): the rewritten ONNX model says which of its inputs are
channels-last. exposed_nhwc_inputs() reads them back, once, when the pipeline takes the passes' result;
from there they travel as SignatureSpec.nhwc_inputs, so verification and clients feed them channels-last.
"""
from __future__ import annotations

import logging

import onnx
import onnx_ir as ir

from converter.onnx_passes._layout import permuted_shape, redirect_uses, to_last
from converter.onnx_passes.cancel_transposes import perm_of

__all__ = ["ExposeNhwcInputsPass", "NHWC_INPUTS_KEY", "exposed_nhwc_inputs"]

logger = logging.getLogger(__name__)

NHWC_INPUTS_KEY = "converter.nhwc_inputs"


class ExposeNhwcInputsPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        changed = [value.name for value in graph.inputs if _expose(graph, value)]
        if changed:
            known = model.metadata_props.get(NHWC_INPUTS_KEY, "")
            names = [n for n in known.split(",") if n] + changed
            model.metadata_props[NHWC_INPUTS_KEY] = ",".join(names)
            logger.debug("ExposeNhwcInputsPass: NHWC inputs %s", changed)
        return ir.passes.PassResult(model, bool(changed))


def exposed_nhwc_inputs(model: onnx.ModelProto) -> frozenset[str]:
    """The inputs ExposeNhwcInputsPass made channels-last in `model` (none without the pass)."""
    recorded = next((p.value for p in model.metadata_props if p.key == NHWC_INPUTS_KEY), "")
    return frozenset(name for name in recorded.split(",") if name)


def _expose(graph: ir.Graph, value: ir.Value) -> bool:
    if value.is_initializer() or value.shape is None or len(value.shape) not in (4, 5):
        return False
    perm = to_last(len(value.shape))
    users = [user for user, _ in value.uses()]
    if not users or value.is_graph_output():
        return False
    if not all(u.op_type == "Transpose" and u.domain == "" and perm_of(u) == perm
               and not u.outputs[0].is_graph_output() for u in users):
        return False
    value.shape = permuted_shape(value.shape, perm)
    for transpose in users:
        redirect_uses(graph, transpose.outputs[0], value)
        graph.remove(transpose, safe=True)
    return True
