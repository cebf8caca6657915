"""PyTorch checkpoint -> ONNX -> TensorFlow SavedModel for TF Serving, with verified parity.

Stages (one package each): checkpoint, export, onnx_passes, tf_ops, savedmodel, publish, verify, serving.
`converter.pipeline.convert` strings them together; the public Python API is `converter.convert`
(docs/api.md), the command line `torch2serving` (converter/cli/).

`import converter` stays cheap: `convert` and `ConversionResult` import torch and TensorFlow only when
first used. The error classes are the command line's exit codes as exceptions.
"""
from __future__ import annotations

from converter.errors import (
    BadInputError,
    ConverterError,
    InternalError,
    ParityError,
    PublishError,
    UnsupportedModelError,
    UnsupportedOpsError,
    UntrustedCheckpointError,
)

__version__ = "0.1.0"

__all__ = [
    "BadInputError",
    "ConversionResult",
    "ConverterError",
    "InternalError",
    "ParityError",
    "PublishError",
    "UnsupportedModelError",
    "UnsupportedOpsError",
    "UntrustedCheckpointError",
    "convert",
]

_LAZY = {"convert": "converter.api", "ConversionResult": "converter.api"}


def __getattr__(name: str):
    """`converter.convert` and `converter.ConversionResult`, imported on first use."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'converter' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
