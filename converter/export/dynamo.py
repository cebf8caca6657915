"""The torch.export-based exporter: capture with torch.export ourselves, then torch.onnx.export the program.

Capturing ourselves (instead of letting torch.onnx try strict, non-strict and draft export)
keeps data-dependent control flow a visible failure that falls back to the TorchScript
exporter with a tracer warning, instead of a silently specialised graph.
"""
from __future__ import annotations

import gc
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
    try:
        program = capture(module, args, extra_axes)
        onnx_program = torch.onnx.export(program, args, dynamo=True, verbose=False, input_names=input_names,
                                         output_names=output_names, opset_version=opset, optimize=True)
        onnx_program.save(str(path), external_data=external_data)
    finally:
        release_rewriter_state()


# What onnxscript's pattern matchers remember of the last match between two calls.
_MATCHER_STATE = ("_graph", "_match", "_current_node", "_tracer")


def release_rewriter_state() -> int:
    """Drop the graph onnxscript's rewriter keeps after `optimize=True`; returns how many matchers held one.

    The rewrite rules are module-level objects, and each rule's matcher (`SimplePatternMatcher`) keeps
    the graph it last matched (`_graph`) and its last match (`_match`, whose nodes lead to the graph).
    That graph's initializers wrap the PyTorch parameters, so the model's weights stay alive after the
    model is dropped: one extra copy of the weights for the rest of the conversion (models over 2 GB;
    found with gc.get_referrers from a parameter). The matcher sets these again on its next match, so
    clearing them is safe; guarded, so an onnxscript without this class or these attributes is no error.
    """
    try:
        from onnxscript.rewriter._matcher import PatternMatcher
    except ImportError:
        return 0
    classes, pending = set(), [PatternMatcher]
    while pending:                      # type(obj) in classes: no isinstance (ABC hooks, deprecation warnings)
        cls = pending.pop()
        classes.add(cls)
        pending += [c for c in cls.__subclasses__() if c not in classes]
    released = 0
    for obj in gc.get_objects():
        if type(obj) in classes:
            held = [name for name in _MATCHER_STATE if getattr(obj, name, None) is not None]
            try:
                for name in held:
                    setattr(obj, name, None)
            except AttributeError:      # a read-only attribute in some other onnxscript version
                continue
            released += "_graph" in held
    return released
