"""Small graph-matching helpers shared by the fusion passes."""
from __future__ import annotations

import onnx_ir as ir

__all__ = ["is_standard", "is_private", "sole_user", "other_input"]


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
