"""The TorchScript-based exporter (`dynamo=False`): the fallback, and the only path for ScriptModules
(torch.export cannot capture them); their control flow becomes ONNX If/Loop."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch.utils import _pytree as pytree

from converter.export.torchscript_symbolics import register_symbolics

logger = logging.getLogger(__name__)

class FlatOutputs(torch.nn.Module):
    """Returns the model's (nested tuple/list/dict) outputs as one flat tuple, in return order."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *args):
        return tuple(pytree.tree_leaves(self.model(*args)))


def _flat(outputs) -> bool:
    return isinstance(outputs, torch.Tensor) or (
        isinstance(outputs, tuple) and all(isinstance(o, torch.Tensor) for o in outputs))


def export_torchscript(module, args, input_names: list[str], output_names: list[str],
                       dynamic_axes: dict[str, dict[int, str]], opset: int, path: Path, example_outputs) -> None:
    """Write `path` with the TorchScript exporter (torch writes external data itself above 2 GB)."""
    register_symbolics()
    if isinstance(module, torch.export.ExportedProgram):
        module = module.module()
    if not _flat(example_outputs):
        # dict/list outputs: trace a flattening wrapper (scripted submodules keep their control flow)
        module = torch.jit.trace(FlatOutputs(module), args, strict=False, check_trace=False)
    torch.onnx.export(module, args, str(path), dynamo=False, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=True)
