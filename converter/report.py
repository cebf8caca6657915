"""The conversion report: written to assets.extra/conversion_report.json (TF Serving ignores it)."""
from __future__ import annotations

import json
import platform
from dataclasses import asdict, is_dataclass
from pathlib import Path

import onnx

from converter.onnx_nodes import op_histogram

REPORT_NAME = "conversion_report.json"


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    return dict(sorted(op_histogram(model).items()))


def tool_versions() -> dict[str, str]:
    import numpy
    import onnxruntime
    import tensorflow
    import torch
    return {"python": platform.python_version(), "torch": torch.__version__, "tensorflow": tensorflow.__version__,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__}


def write_report(report: dict, version_dir: Path) -> Path:
    path = Path(version_dir) / "assets.extra" / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(report), indent=2, sort_keys=False))
    return path


def _plain(value):
    """Dataclasses, tuples and Paths as JSON-friendly values."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
