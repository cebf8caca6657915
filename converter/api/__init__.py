"""The Python API: `converter.convert(model, example_inputs, name=...) -> ConversionResult` (docs/api.md)."""
from converter.api.conversion import convert
from converter.api.result import ConversionResult, Signature, TensorInfo

__all__ = ["ConversionResult", "Signature", "TensorInfo", "convert"]
