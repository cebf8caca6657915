"""What the translate and savedmodel stages need besides the ONNX model (no TensorFlow here: the converting
process builds it, the TensorFlow child reads it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from converter.config import ConversionConfig


@dataclass(frozen=True)
class TranslateSettings:
    """Everything the two stages need besides the ONNX model; JSON-able, absolute paths (the child gets it)."""
    backend: str                          # native | onnx-tf
    variable_threshold_bytes: int
    work_dir: str                         # onnx-tf writes its intermediate SavedModel here
    data_dir: str                         # external data (models > 2 GB) is read from here
    staging_path: str                     # the SavedModel goes here
    signature_names: tuple[str, ...]
    batch_split: int = 1                  # slices a batch runs as (1: unsplit), resolved from --batch-split
    client: dict | None = None            # ClientSignatureOptions.as_dict() (issue 21), None without them
    nhwc_inputs: tuple[str, ...] = ()     # inputs the passes made channels-last (SignatureSpec.nhwc_inputs)

    @classmethod
    def from_config(cls, config: ConversionConfig, work_dir: Path, data_dir: str, staging_path: Path,
                    signature_names: tuple[str, ...], batch_split: int = 1,
                    nhwc_inputs: frozenset[str] = frozenset()) -> "TranslateSettings":
        return cls(config.backend, config.variable_threshold_bytes, str(Path(work_dir).resolve()),
                   str(Path(data_dir).resolve()) if data_dir else "", str(Path(staging_path).resolve()),
                   tuple(signature_names), batch_split,
                   config.client.as_dict() if config.client.enabled else None, tuple(sorted(nhwc_inputs)))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TranslateSettings":
        return cls(**{**data, "signature_names": tuple(data["signature_names"]),
                      "nhwc_inputs": tuple(data["nhwc_inputs"])})
