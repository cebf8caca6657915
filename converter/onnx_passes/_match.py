"""Small graph-matching helpers shared by the fusion passes, and their common result."""
from __future__ import annotations

import logging

import onnx_ir as ir

from converter.onnx_passes._layout import allow_free_initializers
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["is_standard", "is_private", "sole_user", "other_input", "fusion_result", "folding_result"]


def is_standard(node: ir.Node | None, *op_types: str) -> bool:
    """`node` is a default-domain (ai.onnx) node of one of `op_types`."""
    return node is not None and node.domain in ("", "ai.onnx") and node.op_type in op_types


def is_private(value: ir.Value) -> bool:
    """Used by exactly one node and not a graph output: safe to fold away."""
    return len(value.uses()) == 1 and not value.is_graph_output()


def sole_user(value: ir.Value) -> ir.Node | None:
    """The one node reading `value` when `value` is private, else None."""
    return next(iter(value.uses()))[0] if is_private(value) else None


def other_input(node: ir.Node | None, value: ir.Value) -> ir.Value | None:
    """For a binary `node` reading `value`, its other operand."""
    if node is None or len(node.inputs) != 2 or value not in node.inputs:
        return None
    a, b = node.inputs
    return b if a is value else a


def fusion_result(model: ir.Model, count: int, logger: logging.Logger, message: str) -> ir.passes.PassResult:
    """What a fusion pass returns after writing `count` converter.fused ops: the domain imported (the
    translator dispatches on it), `message` (with %d for the count) at debug level."""
    if count:
        model.opset_imports.setdefault(FUSED_DOMAIN, 1)
        logger.debug(message, count)
    return ir.passes.PassResult(model, bool(count))


def folding_result(model: ir.Model, count: int, logger: logging.Logger, message: str,
                   domain: str | None = None) -> ir.passes.PassResult:
    """What a pass returns after `count` rewrites that added initializers: an old model moved to IR 4
    (allow_free_initializers), `domain` imported when the rewrites wrote its ops, `message` (with %d for the
    count) at debug level."""
    if count:
        if domain is not None:
            model.opset_imports.setdefault(domain, 1)
        allow_free_initializers(model)
        logger.debug(message, count)
    return ir.passes.PassResult(model, bool(count))
