"""Differential testing: the same ONNX model through both backends (native, onnx-tf) and ONNX Runtime.

Each backend's module goes through the same SavedModel signature builder as the pipeline
(`converter.savedmodel.export_saved_model`); the SavedModels then run the way TF Serving runs them
(TF1 session, tag `serve`, signature by name) in a child process, which also times `session.run`.

    result = compare_backends(model, feeds_by_batch, work_dir, latency_runs=20)
    print(result.table())
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from converter.child import ChildContext, ChildProcess
from converter.errors import typed_first_line
from converter.verify.compare import OutputDiff, compare_output

logger = logging.getLogger(__name__)

BACKENDS = ("native", "onnx-tf")
SIGNATURE = "serving_default"


@dataclass
class BackendRun:
    backend: str
    convert_seconds: float = 0.0            # translation + SavedModel write
    error: str = ""                        # one line when conversion or the session run failed
    outputs: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)   # batch -> ONNX output name -> value
    latency_ms: float | None = None         # median session.run at the largest batch


@dataclass
class Comparison:
    model_name: str
    runs: dict[str, BackendRun]
    diffs: list[OutputDiff]                 # `reference` field holds the pair, e.g. "onnx-tf vs onnxruntime"

    def passed(self, pair: str) -> bool | None:
        rows = [d for d in self.diffs if d.reference == pair]
        return all(d.passed for d in rows) if rows else None

    def worst(self, pair: str) -> tuple[float, float] | None:
        rows = [d for d in self.diffs if d.reference == pair]
        return (max(d.max_abs for d in rows), max(d.max_rel for d in rows)) if rows else None


def export_torch_model(module, example_args: tuple, input_names: list[str], output_names: list[str],
                       path: Path, exporter: str = "dynamo", opset: int = 18) -> onnx.ModelProto:
    """Export with a dynamic batch (dim 0 of every input). `exporter`: "dynamo" (torch's default, opset
    18+) or "torchscript" (the legacy exporter, any opset; what most onnx-tf users ran)."""
    import torch

    if exporter == "dynamo":
        batch = torch.export.Dim("batch", min=1, max=4096)
        torch.onnx.export(module, example_args, str(path), input_names=input_names, output_names=output_names,
                          dynamo=True, opset_version=opset, dynamic_shapes=tuple({0: batch} for _ in example_args),
                          verbose=False)
    elif exporter == "torchscript":
        axes = {name: {0: "batch"} for name in (*input_names, *output_names)}
        torch.onnx.export(module, example_args, str(path), input_names=input_names, output_names=output_names,
                          dynamo=False, opset_version=opset, dynamic_axes=axes)
    else:
        raise ValueError(f"exporter {exporter!r}: choose dynamo or torchscript")
    return onnx.load(str(path))


def build_module(backend: str, model: onnx.ModelProto, work_dir: Path):
    """The module-like object (input_names, output_names, run) each backend hands the SavedModel stage."""
    if backend == "native":
        from converter.tf_ops.module import OnnxModule
        return OnnxModule(model)
    if backend == "onnx-tf":
        from converter.backends.onnx_tf_backend import build_onnx_tf_module
        return build_onnx_tf_module(model, work_dir)
    raise ValueError(f"unknown backend {backend!r}; choose from {BACKENDS}")


def compare_backends(model: onnx.ModelProto, feeds_by_batch: dict[int, dict[str, np.ndarray]], work_dir: Path,
                     atol: float = 1e-4, rtol: float = 1e-3, latency_runs: int = 0, model_name: str = "model",
                     backends: tuple[str, ...] = BACKENDS, pipeline_passes: bool = True) -> Comparison:
    """Outputs of every backend against ONNX Runtime and against each other, at every batch size."""
    from converter.verify import onnxruntime_outputs

    output_names = [o.name for o in model.graph.output]
    batches = list(feeds_by_batch)
    reference = onnxruntime_outputs(model, [feeds_by_batch[b] for b in batches])
    expected = {b: dict(zip(output_names, outputs)) for b, outputs in zip(batches, reference)}
    runs = {name: run_backend(name, model, feeds_by_batch, Path(work_dir) / name, latency_runs, pipeline_passes)
            for name in backends}
    diffs = []
    for batch in sorted(feeds_by_batch):
        for name, run in runs.items():
            diffs += _diff_outputs(batch, f"{name} vs onnxruntime", run.outputs.get(batch), expected[batch], atol, rtol)
        if len(backends) == 2:
            first, second = (runs[b] for b in backends)
            diffs += _diff_outputs(batch, f"{backends[1]} vs {backends[0]}", second.outputs.get(batch),
                                   first.outputs.get(batch), atol, rtol)
    return Comparison(model_name, runs, diffs)


def pipeline_model(backend: str, model: onnx.ModelProto) -> onnx.ModelProto:
    """The model as the conversion pipeline hands it to `backend`: the same ONNX passes
    (dynamic batch; for native also explicit padding and the NHWC layout passes)."""
    from converter.config import ConversionConfig
    from converter.onnx_passes.pipeline import run_passes

    _, translated, _ = run_passes(model, ConversionConfig(checkpoint=Path("-"), name="compare", backend=backend))
    return translated


def run_backend(backend: str, model: onnx.ModelProto, feeds_by_batch: dict[int, dict[str, np.ndarray]],
                work_dir: Path, latency_runs: int = 0, pipeline_passes: bool = True) -> BackendRun:
    """Convert with one backend (after the pipeline's ONNX passes unless pipeline_passes is False),
    save the SavedModel, run it in a TF1 session child process."""
    from converter.savedmodel import export_saved_model

    run = BackendRun(backend)
    work_dir.mkdir(parents=True, exist_ok=True)
    saved_model_dir = work_dir / "saved_model"
    started = time.perf_counter()
    try:
        model = pipeline_model(backend, model) if pipeline_passes else model
        module = build_module(backend, model, work_dir)
        spec = export_saved_model(module, model, saved_model_dir, (SIGNATURE,))
    except Exception as error:  # noqa: BLE001 - a backend's failure is its result, not a crash
        run.error = typed_first_line(error)[:300]
        logger.warning("%s: conversion failed: %s", backend, run.error)
        return run
    run.convert_seconds = time.perf_counter() - started
    batches = sorted(feeds_by_batch)
    signature_feeds = [{t.key: feeds_by_batch[b][t.onnx_name] for t in spec.inputs} for b in batches]
    try:
        outputs, run.latency_ms = run_session_child(saved_model_dir, signature_feeds, latency_runs)
    except Exception as error:  # noqa: BLE001 - a backend's failure is its result, not a crash
        run.error = typed_first_line(error)[:300]
        logger.warning("%s: session run failed: %s", backend, run.error)
        return run
    for batch, values in zip(batches, outputs):
        run.outputs[batch] = {t.onnx_name: values[t.key] for t in spec.outputs}
    return run


def run_session_child(saved_model_dir: Path, feeds_list: list[dict[str, np.ndarray]], latency_runs: int,
                      timeout_seconds: int = 900) -> tuple[list[dict[str, np.ndarray]], float | None]:
    """Outputs per feed set, and the median ms of `latency_runs` session.run calls on the last feed set."""
    with ChildProcess(_session_request, "session run", timeout=timeout_seconds) as child:
        for index, feeds in enumerate(feeds_list):
            np.savez(child.scratch / f"in{index}.npz", **feeds)
        latency = child.run({"saved_model_dir": str(Path(saved_model_dir).resolve()), "latency_runs": latency_runs,
                             "feed_sets": len(feeds_list)})
        return [dict(np.load(child.scratch / f"out{index}.npz")) for index in range(len(feeds_list))], latency


def _session_request(request: dict, context: ChildContext) -> float | None:
    paths = [str(context.scratch / f"{kind}{index}.npz")
             for index in range(request["feed_sets"]) for kind in ("in", "out")]
    return _session_child(request["saved_model_dir"], request["latency_runs"], paths)


def _session_child(saved_model_dir: str, latency_runs: int, paths: list[str]) -> float | None:
    from converter.verify.session_runner import serving_session

    with serving_session(saved_model_dir) as (session, meta_graph):
        signature = meta_graph.signature_def[SIGNATURE]
        keys = sorted(signature.outputs)
        fetches = [signature.outputs[k].name for k in keys]
        feed_dict = {}
        for in_path, out_path in zip(paths[0::2], paths[1::2]):
            feed_dict = {signature.inputs[k].name: v for k, v in np.load(in_path).items()}
            np.savez(out_path, **dict(zip(keys, session.run(fetches, feed_dict=feed_dict))))
        if latency_runs <= 0:
            return None
        for _ in range(3):                                    # warm-up: first runs allocate and autotune
            session.run(fetches, feed_dict=feed_dict)
        timings = []
        for _ in range(latency_runs):
            started = time.perf_counter()
            session.run(fetches, feed_dict=feed_dict)
            timings.append((time.perf_counter() - started) * 1000)
        return float(np.median(timings))


def _diff_outputs(batch: int, pair: str, actual: dict | None, expected: dict | None,
                  atol: float, rtol: float) -> list[OutputDiff]:
    if actual is None or expected is None:
        return []                                  # a side failed to convert: reported as its error
    return [compare_output(batch, pair, name, actual[name], np.asarray(expected[name]), atol, rtol)
            for name in expected]
