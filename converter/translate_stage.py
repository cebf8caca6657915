"""Stage 4: ONNX -> a TF module with `run(feeds)`, by our translator or, on request, by onnx-tf."""
from __future__ import annotations

from pathlib import Path

import onnx

from converter.config import ConversionConfig
from converter.errors import BadInputError
from converter.tf_ops import load_default_registry
from converter.tf_ops.module import OnnxModule


def translate(model: onnx.ModelProto, config: ConversionConfig, work_dir: Path, external_data_dir: str = ""):
    if config.backend == "native":
        return OnnxModule(model, load_default_registry(), config.variable_threshold_bytes, external_data_dir)
    if config.backend == "onnx-tf":
        from converter.backends.onnx_tf_backend import build_onnx_tf_module, onnx_tf_available

        available, hint = onnx_tf_available()
        if not available:
            raise BadInputError(f"--backend onnx-tf: onnx-tf is not installed; {hint}")
        return build_onnx_tf_module(model, work_dir)
    raise BadInputError(f"--backend {config.backend!r}: choose 'native' (default) or 'onnx-tf'")
