"""PyTorch checkpoint -> ONNX -> TensorFlow SavedModel for TF Serving, with verified parity.

Stages (one package each): checkpoint, export, onnx_passes, tf_ops, savedmodel, publish, verify, serving.
`converter.pipeline.convert` strings them together; the public Python API is `converter.convert`
(docs/api.md), the command line `torch2serving` (converter/cli/).

`import converter` stays cheap: `convert` and `ConversionResult` import torch and TensorFlow only when
first used. The error classes are the command line's exit codes as exceptions.
"""
from __future__ import annotations

from converter._lazy import lazy_attributes
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

__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)     # `converter.convert`, imported on first use
