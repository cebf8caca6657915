"""Every registered op handler is typed as registry.Handler says: (ctx: TranslationContext, node: OnnxNode)
-> Outputs."""
from __future__ import annotations

import inspect
import sys

from converter.tf_ops import load_default_registry
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs

EXPECTED = {"ctx": TranslationContext, "node": OnnxNode, "return": Outputs}


def _annotations(handler) -> dict:
    """The handler's annotations as objects (modules with postponed evaluation keep them as strings)."""
    scope = vars(sys.modules[handler.__module__])
    return {name: eval(value, scope) if isinstance(value, str) else value  # noqa: S307 (our own source)
            for name, value in inspect.get_annotations(handler).items()}


def test_every_handler_has_the_typed_signature():
    untyped = sorted({f"{r.handler.__module__}.{r.handler.__name__}" for r in load_default_registry().all()
                      if list(inspect.signature(r.handler).parameters) != ["ctx", "node"]
                      or _annotations(r.handler) != EXPECTED})
    assert not untyped, untyped
