"""The conversion report: written to assets.extra/conversion_report.json (TF Serving ignores it).

Its JSON (keys, order, values) is read by tests, scripts/inspect_model.py and the benchmarks: change
ConversionReport and as_dict() only together with them.
"""
from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import onnx

from converter.onnx_nodes import op_histogram

REPORT_NAME = "conversion_report.json"


@dataclass(frozen=True)
class ReportSource:
    checkpoint: str
    format: str                          # the detected checkpoint format
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportSignature:
    names: tuple[str, ...]               # the signature names of the tensor function
    method_name: str
    inputs: tuple[dict, ...]             # TensorSpecInfo.as_dict() each
    outputs: tuple[dict, ...]
    renamed: dict[str, str]              # ONNX name -> signature key, where they differ


@dataclass(frozen=True)
class ConversionReport:
    """One published version's record. Built once the serving stage is done; the publish stage adds
    the version and the stage timings with dataclasses.replace."""
    model_name: str
    source: ReportSource
    exporter: str
    opset: int
    backend: str
    batch_split: int
    signature: ReportSignature
    op_counts: dict[str, dict[str, int]]   # "exported" / "translated" -> op type -> nodes
    passes: tuple[dict, ...]               # name, modified, op_count_diff of each graph pass
    parity: dict                           # ParityReport.as_dict()
    warnings: tuple[str, ...]
    tool_versions: dict[str, str]
    client_signatures: dict | None = None  # the client signatures' verification (issue 21); left out when None
    batching: dict | None = None           # BatchingChoice.as_dict() of --batching auto; left out when None
    version: int | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)   # stages in child processes may overlap
    # the whole conversion, its child processes' start-up and the time spent waiting for them; left out when None
    process_seconds: dict[str, float] | None = None

    def as_dict(self) -> dict:
        """The JSON form, in field order."""
        data = _plain(self)
        for optional in ("client_signatures", "batching", "process_seconds"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ConversionReport":
        """The inverse of as_dict (a report read back from conversion_report.json)."""
        source, signature = data["source"], data["signature"]
        return cls(**{**data,
                      "source": ReportSource(source["checkpoint"], source["format"], tuple(source["notes"])),
                      "signature": ReportSignature(tuple(signature["names"]), signature["method_name"],
                                                   tuple(signature["inputs"]), tuple(signature["outputs"]),
                                                   signature["renamed"]),
                      "passes": tuple(data["passes"]), "warnings": tuple(data["warnings"])})


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    return dict(sorted(op_histogram(model).items()))


def tool_versions(tensorflow_version: str | None = None) -> dict[str, str]:
    """`tensorflow_version`: as the TensorFlow child process reported it (this process need not import TF)."""
    import numpy
    import onnxruntime
    import torch
    if tensorflow_version is None:
        import tensorflow

        tensorflow_version = tensorflow.__version__
    return {"python": platform.python_version(), "torch": torch.__version__, "tensorflow": tensorflow_version,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__}


def write_report(report: ConversionReport | dict, version_dir: Path) -> Path:
    """Write the report (a plain dict is written as it is: tests write stand-ins)."""
    path = Path(version_dir) / "assets.extra" / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    data = report.as_dict() if isinstance(report, ConversionReport) else _plain(report)
    path.write_text(json.dumps(data, indent=2, sort_keys=False))
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
