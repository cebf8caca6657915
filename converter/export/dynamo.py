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
        try:
            onnx_program = _to_onnx(program, args, input_names, output_names, opset)
        except Exception as error:  # noqa: BLE001 - torch wraps the decomposition's ValueError in its own class
            if _VIEW_FAILURE not in str(error) or not contiguous_before_reshape(program):
                raise
            logger.info("the exporter's decompositions met a reshape of a transposed tensor; exporting again "
                        "with a contiguous copy before each such reshape")
            onnx_program = _to_onnx(program, args, input_names, output_names, opset)
        onnx_program.save(str(path), external_data=external_data)
    finally:
        release_rewriter_state()


def _to_onnx(program, args, input_names: list[str], output_names: list[str], opset: int):
    return torch.onnx.export(program, args, dynamo=True, verbose=False, input_names=input_names,
                             output_names=output_names, opset_version=opset, optimize=True)


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


# torch's decompositions, with a symbolic batch, can turn a reshape of a transposed tensor into a view that
# cannot exist, also when the model asked for .contiguous() in between (which the decomposition drops when
# the recorded strides say the tensor already is): seen on T5's attention output (transformers' SDPA
# attention, torch 2.13), "Cannot view a tensor with shape ...", and run_decompositions fails.
_VIEW_FAILURE = "Cannot view a tensor with shape"
_LAYOUT_OPS = (torch.ops.aten.transpose.int, torch.ops.aten.permute.default)
_RESHAPES = (torch.ops.aten.reshape.default, torch.ops.aten.view.default)
_CONTIGUOUS = torch.ops.aten.contiguous.default
_COPY = torch.ops.aten.clone.default


def contiguous_before_reshape(program) -> int:
    """Make each reshape (or view, or .contiguous()) of a transposed/permuted tensor read an explicit copy of
    it (aten.clone, which decompositions keep), so no impossible view is needed; the copy is an Identity in
    ONNX, which the optimizer removes. Returns how many copies were made (0: nothing to do)."""
    graph = program.graph
    copies = 0
    for node in list(graph.nodes):
        if node.op != "call_function" or node.target not in (*_RESHAPES, _CONTIGUOUS):
            continue
        source = node.args[0]
        value = getattr(source, "meta", {}).get("val")
        if getattr(source, "target", None) not in _LAYOUT_OPS or value is None:
            continue
        if node.target == _CONTIGUOUS:
            node.target, node.kwargs = _COPY, {"memory_format": torch.contiguous_format}
        else:
            with graph.inserting_before(node):
                copy = graph.call_function(_COPY, (source,), {"memory_format": torch.contiguous_format})
            with value.fake_mode:
                copy.meta["val"] = value.clone(memory_format=torch.contiguous_format)
            node.replace_input_with(source, copy)
        copies += 1
    if copies:
        program.graph_module.recompile()
    return copies
