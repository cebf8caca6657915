"""Check, before translating anything, that every node (subgraphs too) has a translation."""
from __future__ import annotations

from collections import Counter

import onnx

from converter.errors import UnsupportedOpsError
from converter.onnx_nodes import iter_nodes
from converter.tf_ops.registry import OpRegistry, normal_domain


def model_opsets(model: onnx.ModelProto) -> dict[str, int]:
    return {normal_domain(o.domain): o.version for o in model.opset_import}


def preflight(model: onnx.ModelProto, registry: OpRegistry) -> None:
    """Raise one UnsupportedOpsError listing every (domain, op, opset) that lacks a handler."""
    from converter.tf_ops.function_expansion import body_supported
    opsets = model_opsets(model)
    functions = {(f.domain, f.name): f for f in model.functions}
    missing: Counter = Counter()
    for node in iter_nodes(model.graph):
        opset = opsets.get(node.domain, 0)
        if registry.lookup(node.op_type, opset, node.domain) is None and not body_supported(
                node, opset, opsets, registry, functions):
            missing[(node.domain, node.op_type, opset)] += 1
    if missing:
        families = sorted(registry.op_types())
        raise UnsupportedOpsError(missing, f"{len(families)} ops are supported (see docs/op_support.md); "
                                           "re-export with another opset or replace the layer")
