"""Stage 2: export the loaded model to ONNX with a dynamic batch (dynamo first, TorchScript as fallback)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch

from converter.checkpoint import LoadedCheckpoint
from converter.checkpoint.eager import callable_module, flatten_outputs
from converter.config import ConversionConfig
from converter.errors import BadInputError, InternalError, UnsupportedModelError, typed_first_line
from converter.export import save
from converter.export.capture import collect_tracer_warnings
from converter.export.dynamo import export_dynamo
from converter.export.example_inputs import export_batch_size, make_feeds
from converter.export.names import graph_input_names, rename_dim_params, rename_tensors
from converter.export.onnx_file import from_onnx_file
from converter.export.torchscript import export_torchscript

logger = logging.getLogger(__name__)

__all__ = ["ExportResult", "export_to_onnx"]


@dataclass(frozen=True)
class ExportResult:
    model: onnx.ModelProto     # names as asked; weights inside, or external-data references when large
    onnx_path: Path            # the .onnx file (external data `<name>.onnx.data` beside it when large)
    exporter: str              # "dynamo" | "torchscript" | "onnx-file"
    opset: int
    warnings: tuple[str, ...]  # tracer warnings and fallbacks, in user words


def onnx_opset(model: onnx.ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _describe_inputs(config: ConversionConfig) -> str:
    return ", ".join(f"{s.name}:{s.dtype}:{'x'.join(map(str, s.shape))}" for s in config.inputs)


def _probe(module, args: tuple[torch.Tensor, ...], config: ConversionConfig) -> tuple[object, list[torch.Tensor]]:
    """Run the model once: wrong input rank/dtype/count fails here with a message naming the inputs."""
    try:
        with torch.no_grad():
            outputs = module(*args)
    except Exception as exc:   # noqa: BLE001 - the model is user code
        raise BadInputError(f"the model rejected the example inputs ({_describe_inputs(config)}): "
                            f"{typed_first_line(exc)}; check that each --input has the rank, dtype and order "
                            "forward() expects") from None
    return outputs, flatten_outputs(outputs)


def _output_names(leaves: list[torch.Tensor], config: ConversionConfig) -> list[str]:
    if not config.outputs:
        return [f"output_{i}" for i in range(len(leaves))]
    if len(config.outputs) != len(leaves):
        shapes = ", ".join(str(tuple(t.shape)) for t in leaves)
        raise BadInputError(f"--output names {len(config.outputs)} outputs ({', '.join(config.outputs)}) but the "
                            f"model returns {len(leaves)} ({shapes}); give one --output per returned tensor, in order")
    taken = [s.name for s in config.inputs]
    repeated = sorted({n for i, n in enumerate(config.outputs) if n in config.outputs[:i] or n in taken})
    if repeated:
        raise BadInputError(f"--output {', '.join(repeated)}: each input and output of the model needs its own name")
    return list(config.outputs)


def _dynamic_axes(config: ConversionConfig, input_names: list[str], output_names: list[str],
                  leaves: list[torch.Tensor]) -> dict[str, dict[int, str]]:
    """{tensor: {axis: symbol}}: batch on every input and on every output of rank >= 1, plus --dynamic-axis."""
    axes: dict[str, dict[int, str]] = {name: {0: "batch"} for name in input_names}
    axes.update({name: {0: "batch"} for name, leaf in zip(output_names, leaves) if leaf.dim() > 0})
    known = set(input_names) | set(output_names)
    for name, axis, symbol in config.dynamic_axes:
        if name not in known:
            raise BadInputError(f"--dynamic-axis {name}:{axis}:{symbol}: no input or output is called {name!r}")
        axes.setdefault(name, {})[axis] = symbol
    return axes


def _run_exporters(module, args, names, axes, example_outputs, config, path, warnings_out) -> str:
    input_names, output_names = names
    extra = {i: set(axes[n]) - {0} for i, n in enumerate(input_names)}
    external = save.module_weight_bytes(module) >= save.EXTERNAL_DATA_THRESHOLD_BYTES
    reasons = []
    if isinstance(module, torch.jit.ScriptModule) and config.exporter != "dynamo":
        warnings_out.append("exported with the TorchScript-based exporter: the checkpoint is a TorchScript "
                            "archive, which torch.export cannot capture")
    elif config.exporter in ("auto", "dynamo"):
        try:
            with collect_tracer_warnings(warnings_out):
                export_dynamo(module, args, input_names, output_names, extra, config.opset, path, external)
            return "dynamo"
        except Exception as exc:   # noqa: BLE001 - any capture/translation failure means: try the other exporter
            reasons.append(f"dynamo: {typed_first_line(exc)}")
            if config.exporter == "dynamo" or isinstance(module, torch.export.ExportedProgram):
                raise UnsupportedModelError(f"ONNX export failed ({reasons[0]}); try --exporter torchscript") from None
            warnings_out.append(f"the torch.export-based exporter failed ({typed_first_line(exc)}); "
                                f"fell back to the TorchScript-based exporter")
    try:
        with collect_tracer_warnings(warnings_out):
            export_torchscript(module, args, input_names, output_names, axes, config.opset, path, example_outputs)
        return "torchscript"
    except Exception as exc:   # noqa: BLE001
        reasons.append(f"torchscript: {typed_first_line(exc)}")
        raise UnsupportedModelError(f"ONNX export failed with every exporter tried ({'; '.join(reasons)})") from None


def export_to_onnx(loaded: LoadedCheckpoint, config: ConversionConfig, work_dir: Path) -> ExportResult:
    """Export `loaded` to `work_dir/<name>.onnx`; an ONNX checkpoint passes through (names applied)."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    if loaded.format == "onnx":
        model, path, notes = from_onnx_file(loaded, config, work_dir)
        return ExportResult(model, path, "onnx-file", onnx_opset(model), tuple(notes))
    if not config.inputs:
        raise BadInputError("exporting a PyTorch model needs its inputs: pass --input name:dtype:shape for each, "
                            "e.g. --input input_img:float32:1x3x224x224")
    feeds = make_feeds(config.inputs, export_batch_size(config.inputs), config.seed)
    args = tuple(torch.from_numpy(feeds[spec.name]) for spec in config.inputs)
    outputs, leaves = _probe(callable_module(loaded), args, config)
    input_names = [spec.name for spec in config.inputs]
    output_names = _output_names(leaves, config)
    axes = _dynamic_axes(config, input_names, output_names, leaves)
    path = work_dir / f"{config.name}.onnx"
    warnings_out: list[str] = []
    # The exporters name inner values after their ops (`embedding`, `linear`): exported under neutral
    # names, the graph's inputs and outputs take the user's names afterwards, clashes moved aside.
    placeholders = {name: f"t2s_io_{index}" for index, name in enumerate(input_names + output_names)}
    exporter = _run_exporters(loaded.module, args,
                              ([placeholders[n] for n in input_names], [placeholders[n] for n in output_names]),
                              {placeholders[n]: spec for n, spec in axes.items()}, outputs, config, path, warnings_out)
    model = save.finalize_onnx_file(path)
    rename_tensors(model.graph, {temp: name for name, temp in placeholders.items()})
    static = rename_dim_params(model, {(name, axis): symbol for name, spec in axes.items()
                                       for axis, symbol in spec.items()})
    if static:
        warnings_out.append(f"the exporter left {', '.join(static)} static; marked symbolic as asked, "
                            f"verification at other sizes shows whether the graph really allows it")
    _check_io_names(model, input_names, output_names, warnings_out)
    save.save_proto(model, path)
    _check_model(path)
    logger.info("exported %s with the %s exporter to %s", loaded.path, exporter, path)
    return ExportResult(model, path, exporter, onnx_opset(model), tuple(warnings_out))


def _check_io_names(model: onnx.ModelProto, input_names, output_names, warnings_out: list[str]) -> None:
    got_in, got_out = graph_input_names(model), [o.name for o in model.graph.output]
    if got_in != input_names:
        warnings_out.append(f"the exported graph's inputs are {got_in}, not {input_names} "
                            f"(the exporter dropped or reordered unused inputs)")
    if got_out != output_names:
        warnings_out.append(f"the exported graph's outputs are {got_out}, not {output_names}")


def _check_model(path: Path) -> None:
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:   # noqa: BLE001
        raise InternalError(f"the exported ONNX model {path} fails onnx.checker: {typed_first_line(exc)}") from None
