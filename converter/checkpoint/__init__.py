"""Stage 1: load a PyTorch checkpoint (or an ONNX file), its format detected from the file's contents."""
from __future__ import annotations

import logging
from pathlib import Path

from converter.checkpoint.detect import check_readable, detect_format
from converter.checkpoint.eager import run_eager
from converter.checkpoint.loaded import LoadedCheckpoint
from converter.checkpoint.loaders import LOADERS
from converter.config import ConversionConfig

logger = logging.getLogger(__name__)

__all__ = ["LoadedCheckpoint", "load_checkpoint", "run_eager", "detect_format"]

SELF_CONTAINED_FORMATS = ("torchscript", "exported_program", "torch_package", "onnx")


def load_checkpoint(config: ConversionConfig) -> LoadedCheckpoint:
    """Load `config.checkpoint`; `config.checkpoint_format` overrides detection."""
    path = Path(config.checkpoint)
    check_readable(path)
    fmt = detect_format(path) if config.checkpoint_format == "auto" else config.checkpoint_format
    logger.info("loading %s as %s", path, fmt)
    loaded, notes = LOADERS[fmt](path, config)
    notes = list(notes)
    if config.checkpoint_format == "auto":
        notes.insert(0, f"detected format {fmt}")
    if config.model_class and fmt in SELF_CONTAINED_FORMATS:
        notes.append(f"--model-class {config.model_class} ignored: a {fmt} checkpoint carries its own model")
    if fmt == "onnx":
        return LoadedCheckpoint(fmt, path, None, loaded, tuple(notes))
    return LoadedCheckpoint(fmt, path, loaded, None, tuple(notes))
