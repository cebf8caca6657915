"""Stage 5: wrap a translated model in a tf.Module with serving signatures and save it.

The module-like object must offer `input_names`, `output_names` and `run(feeds) -> dict` (our
OnnxModule, or the onnx-tf adapter). Signature keys are the ONNX input/output names (sanitised
only where TF forbids a character; the mapping is kept in the report), batch dims are -1.
"""
from __future__ import annotations

from converter.savedmodel.signature import SignatureSpec, TensorSpecInfo, signature_spec_from_onnx

__all__ = ["SignatureSpec", "TensorSpecInfo", "signature_spec_from_onnx", "export_saved_model"]


def __getattr__(name: str):
    """export_saved_model imports TensorFlow: only where it is used (the translate child), not with the
    signature types, which the converting process needs without TensorFlow."""
    if name == "export_saved_model":
        from converter.savedmodel.export import export_saved_model

        return export_saved_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
