"""The hand-off of the load stage."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx


@dataclass(frozen=True)
class LoadedCheckpoint:
    format: str                         # one of config.CHECKPOINT_FORMATS except "auto"
    path: Path
    module: Any | None                  # nn.Module / ScriptModule / ExportedProgram; None for .onnx
    onnx_model: onnx.ModelProto | None  # only for format "onnx" (without external data if it has any)
    notes: tuple[str, ...] = ()         # things the user should know
