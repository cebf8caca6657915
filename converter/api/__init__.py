"""The Python API: `converter.convert(model, example_inputs, name=...) -> ConversionResult` (docs/api.md).

Its names are imported on first use (they import torch and TensorFlow), so that converter.api.options, the
convert flags as Python values, stays light for convert-many's manifest (converter/many/manifest.py).
"""
from __future__ import annotations

from converter._lazy import lazy_attributes

__all__ = ["ConversionResult", "Signature", "TensorInfo", "convert"]

__getattr__, __dir__ = lazy_attributes(globals(), {
    "convert": "converter.api.conversion", "ConversionResult": "converter.api.result",
    "Signature": "converter.api.result", "TensorInfo": "converter.api.result"})
