"""Translation state for one graph (and, chained through `parent`, its enclosing graphs)."""
from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from converter.tf_ops.registry import OpRegistry, normal_domain


class TranslationContext:
    def __init__(self, opsets: dict[str, int], registry: OpRegistry, parent: "TranslationContext | None" = None,
                 functions: dict | None = None):
        self.opsets = opsets
        self.registry = registry
        self.parent = parent
        # the model's local functions by (domain, name), for function_expansion; subgraphs share them
        self.functions = functions if functions is not None else (parent.functions if parent else {})
        self._values: dict[str, Any] = {}

    def opset(self, domain: str = "") -> int:
        return self.opsets.get(normal_domain(domain), 0)

    def bind(self, name: str, value: Any) -> None:
        self._values[name] = value

    def lookup(self, name: str) -> Any:
        scope = self
        while scope is not None:
            if name in scope._values:
                return scope._values[name]
            scope = scope.parent
        raise KeyError(name)

    def has(self, name: str) -> bool:
        try:
            self.lookup(name)
            return True
        except KeyError:
            return False

    @property
    def values(self) -> dict[str, Any]:
        """Values bound in this scope (not the parents'): graph inputs, weights and node outputs."""
        return self._values

    def child(self) -> "TranslationContext":
        """A scope for a subgraph (If/Loop/Scan body) that sees the values of this one."""
        return TranslationContext(self.opsets, self.registry, parent=self)

    def run_subgraph(self, graph, inputs: list) -> list:
        """Translate `graph` in a child scope with its formal inputs bound to `inputs`; return its outputs."""
        from converter.tf_ops.translate import translate_graph  # import cycle: translate uses contexts

        scope = self.child()
        for formal, value in zip(graph.input, inputs):
            scope.bind(formal.name, value)
        translate_graph(scope, graph)
        return [scope.lookup(output.name) for output in graph.output]

    @staticmethod
    def static_value(tensor) -> np.ndarray | None:
        """The tensor's value when it is known while building the graph (constants, folded shapes)."""
        if tensor is None:
            return None
        return tf.get_static_value(tensor)
