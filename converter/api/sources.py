"""What convert() accepts as the model -> a checkpoint path, or an already-loaded model for the pipeline.

A live nn.Module, ScriptModule or ExportedProgram is handed to the pipeline as it is (never pickled: a
class defined inside a function cannot be), so it takes the same export, verification and publishing as a
checkpoint file. An onnx.ModelProto is written to a temporary .onnx file and loaded like one (the ONNX
loader's checks included). A path is a checkpoint of any supported format.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from converter.checkpoint import LoadedCheckpoint
from converter.errors import BadInputError

MODEL_KINDS = "an nn.Module, a torch.export.ExportedProgram, a ScriptModule, an onnx.ModelProto or a checkpoint path"


@dataclass(frozen=True)
class Source:
    checkpoint: Path                      # the file, or a label such as <in-memory nn.Module Net>
    loaded: LoadedCheckpoint | None       # None: the pipeline loads `checkpoint`


@contextmanager
def model_source(model) -> Iterator[Source]:
    """The Source for `model`, valid inside the block (a ModelProto's temporary file, a module's eval mode)."""
    import onnx
    import torch

    if isinstance(model, (str, os.PathLike)):
        yield Source(Path(model), None)
    elif isinstance(model, onnx.ModelProto):
        with tempfile.TemporaryDirectory(prefix="convert-api-") as folder:
            path = Path(folder) / f"{model.graph.name or 'model'}.onnx"
            onnx.save(model, str(path))
            yield Source(path, None)
    elif isinstance(model, torch.export.ExportedProgram):
        yield _live(model, "exported_program", "torch.export.ExportedProgram", [])
    elif isinstance(model, torch.nn.Module):     # ScriptModules too: they are nn.Modules
        kind = "torchscript" if isinstance(model, torch.jit.ScriptModule) else "nn_module"
        with _eval_mode(model) as notes:
            yield _live(model, kind, type(model).__name__, notes)
    else:
        raise BadInputError(f"convert(): model is a {type(model).__name__}; give {MODEL_KINDS}")


def _live(model, kind: str, description: str, notes: list[str]) -> Source:
    label = Path(f"<in-memory {description}>")
    return Source(label, LoadedCheckpoint(kind, label, model, None, tuple(notes)))


@contextmanager
def _eval_mode(module) -> Iterator[list[str]]:
    """eval() for the conversion (as the checkpoint loaders do), every submodule's mode restored afterwards."""
    modes = [(sub, sub.training) for sub in module.modules()]
    notes = ["converted in eval mode (the module was in training mode; restored afterwards)"] \
        if module.training else []
    module.eval()
    try:
        yield notes
    finally:
        for sub, training in modes:      # parents first: each call resets its subtree, children follow
            sub.train(training)
