"""Package attributes imported on first use (PEP 562), for packages whose names pull in torch or TensorFlow."""
from __future__ import annotations

import importlib


def lazy_attributes(namespace: dict, table: dict[str, str]):
    """(__getattr__, __dir__) for the package whose globals are `namespace`: each name of `table`
    ({name: module}) is imported from its module when first asked for, then kept in the package."""

    def __getattr__(name: str):
        if name in table:
            value = getattr(importlib.import_module(table[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
