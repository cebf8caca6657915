"""Stage 5: wrap a translated model in a tf.Module with serving signatures and save it.

The module-like object must offer `input_names`, `output_names` and `run(feeds) -> dict` (our
OnnxModule, or the onnx-tf adapter). Signature keys are the ONNX input/output names (sanitised
only where TF forbids a character; the mapping is kept in the report), batch dims are -1.
"""
from __future__ import annotations

from converter.savedmodel.signature import SignatureSpec, TensorSpecInfo, signature_spec_from_onnx
from converter.savedmodel.export import export_saved_model

__all__ = ["SignatureSpec", "TensorSpecInfo", "signature_spec_from_onnx", "export_saved_model"]
