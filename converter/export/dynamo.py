"""The torch.export-based exporter: capture with torch.export ourselves, then torch.onnx.export the program.

Capturing ourselves (instead of letting torch.onnx try strict, non-strict and draft export)
keeps data-dependent control flow a visible failure that falls back to the TorchScript
exporter with a tracer warning, instead of a silently specialised graph.
"""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch.export import Dim

logger = logging.getLogger(__name__)


def dynamic_shapes(args: tuple[torch.Tensor, ...], extra_axes: dict[int, set[int]]) -> tuple[dict, ...]:
    """Dim("batch") on axis 0 of every input, Dim.DYNAMIC (range inferred) on the extra axes asked for."""
    batch = Dim("batch")
    shapes = []
    for index, arg in enumerate(args):
        spec = {0: batch} if arg.dim() > 0 else {}
        spec.update({axis: Dim.DYNAMIC for axis in extra_axes.get(index, ()) if 0 < axis < arg.dim()})
        shapes.append(spec)
    return tuple(shapes)


def capture(module, args: tuple[torch.Tensor, ...], extra_axes: dict[int, set[int]]):
    """An ExportedProgram with a dynamic batch; ExportedPrograms pass through unchanged."""
    if isinstance(module, torch.export.ExportedProgram):
        return module
    return torch.export.export(module, args, dynamic_shapes=dynamic_shapes(args, extra_axes), strict=False)


def export_dynamo(module, args, input_names: list[str], output_names: list[str], extra_axes: dict[int, set[int]],
                  opset: int, path: Path, external_data: bool) -> None:
    """Write `path` (and `<path>.data` when external_data) with the dynamo exporter."""
    program = capture(module, args, extra_axes)
    onnx_program = torch.onnx.export(program, args, dynamo=True, verbose=False, input_names=input_names,
                                     output_names=output_names, opset_version=opset, optimize=True)
    onnx_program.save(str(path), external_data=external_data)
