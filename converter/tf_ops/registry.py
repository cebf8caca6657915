"""Registry of op translations: ONNX (domain, op type, since-version) -> handler function.

A handler is a pure function `(ctx: TranslationContext, node: OnnxNode) -> Outputs` (one entry per ONNX
output; None for an omitted optional output). Write a new `since=` only where the op's semantics changed:
lookup takes the newest handler whose version is at or below the model's opset, as onnx's reference
evaluator does.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Union

if TYPE_CHECKING:       # context.py imports this module
    import tensorflow as tf

    from converter.tf_ops.context import TranslationContext
    from converter.tf_ops.node import OnnxNode

# One translated ONNX value: a tensor; a sequence as a list of tensors or a sequence.DynamicSequence; an
# optional decided at run time as an optional.DynamicOptional (those two are tf ExtensionTypes); None for
# an empty optional or an omitted output.
Value = Union["tf.Tensor", "tf.experimental.ExtensionType", "list[tf.Tensor]", None]
Outputs = list[Value]
Handler = Callable[["TranslationContext", "OnnxNode"], Outputs]


@dataclass(frozen=True)
class Registration:
    domain: str
    op_type: str
    since: int
    handler: Handler


class OpRegistry:
    def __init__(self):
        self._by_op: dict[tuple[str, str], list[Registration]] = {}

    def register(self, op_type: str, since: int, domain: str = "", handler: Handler | None = None):
        """Use as `@registry.register("Clip", since=11)` or call with handler=..."""
        domain = normal_domain(domain)     # "ai.onnx" and "" are one domain: lookup must find either spelling

        def add(fn: Handler) -> Handler:
            entries = self._by_op.setdefault((domain, op_type), [])
            if any(r.since == since for r in entries):
                raise ValueError(f"{domain or 'ai.onnx'}::{op_type} since {since} is registered twice")
            bisect.insort(entries, Registration(domain, op_type, since, fn), key=lambda r: r.since)
            return fn
        return add(handler) if handler is not None else add

    def lookup(self, op_type: str, opset: int, domain: str = "") -> Registration | None:
        """Newest registration with since <= opset, or None."""
        entries = self._by_op.get((normal_domain(domain), op_type), [])
        best = None
        for entry in entries:
            if entry.since <= opset:
                best = entry
        return best

    def versions(self, op_type: str, domain: str = "") -> list[int]:
        return [r.since for r in self._by_op.get((normal_domain(domain), op_type), [])]

    def op_types(self, domain: str = "") -> list[str]:
        return sorted(op for (d, op) in self._by_op if d == normal_domain(domain))

    def all(self) -> list[Registration]:
        return [r for entries in self._by_op.values() for r in entries]

    def copy(self) -> "OpRegistry":
        """An independent registry with the same entries (tests override single ops in a copy)."""
        clone = OpRegistry()
        clone._by_op = {key: list(entries) for key, entries in self._by_op.items()}
        return clone

    def override(self, op_type: str, since: int, handler: Handler, domain: str = "") -> None:
        """Replace (or add) one registration in place; meant for copies made in tests or diagnostics."""
        domain = normal_domain(domain)
        entries = [r for r in self._by_op.get((domain, op_type), []) if r.since != since]
        entries.append(Registration(domain, op_type, since, handler))
        self._by_op[(domain, op_type)] = sorted(entries, key=lambda r: r.since)


def normal_domain(domain: str) -> str:
    """ONNX spells the default domain "" or "ai.onnx"; the registry and opset tables use ""."""
    return "" if domain in ("", "ai.onnx") else domain


# The one registry the op modules register into. It is filled once, at import of converter.tf_ops,
# and never changed during a conversion.
DEFAULT_REGISTRY = OpRegistry()
tf_op = DEFAULT_REGISTRY.register
