"""Describe an .onnx file, a SavedModel folder or a serving_models/<name> folder for `torch2serving inspect`.
saved_model.pb is read by describe.py, beside it."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from converter.errors import BadInputError
from converter.report import REPORT_NAME


def inspect_path(path: Path) -> str:
    path = Path(path)
    if path.is_file() and path.suffix == ".onnx":
        return describe_onnx(path)
    if (path / "saved_model.pb").is_file():
        return describe_saved_model(path)
    if path.is_dir() and any(p.name.isdigit() and (p / "saved_model.pb").is_file() for p in path.iterdir()):
        return describe_model_folder(path)
    raise BadInputError(f"{path}: not an .onnx file, a SavedModel folder or a model folder with integer versions")


def describe_onnx(path: Path) -> str:
    import onnx

    from converter.report import op_counts
    from converter.savedmodel.signature import signature_spec_from_onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as error:  # noqa: BLE001 - any parse failure is the user's file
        raise BadInputError(f"{path}: not a readable ONNX model ({type(error).__name__})") from None
    spec = signature_spec_from_onnx(model)
    sizes = [int(np.prod(i.dims)) for i in model.graph.initializer]
    lines = [f"ONNX model {path}",
             f"  producer: {model.producer_name} {model.producer_version}  ir_version: {model.ir_version}",
             "  opsets: " + ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)]
    lines += _io_lines(spec)
    lines.append(f"  parameters: {sum(sizes):,} in {len(sizes)} initializers "
                 f"({_bytes(sum(_initializer_bytes(i) for i in model.graph.initializer))})")
    lines += _histogram_lines(op_counts(model))
    return "\n".join(lines)


def describe_saved_model(path: Path) -> str:
    import tensorflow as tf

    from converter.savedmodel.describe import meta_graph_with_tag, signature_lines
    from converter.serving.op_check import graph_op_histogram

    try:
        meta_graph = meta_graph_with_tag(path, "serve")
    except KeyError:
        raise BadInputError(f"{path}: no MetaGraph tagged 'serve' (TF Serving could not load it)") from None
    lines = [f"SavedModel {path}", f"  saved_model.pb: {_bytes((path / 'saved_model.pb').stat().st_size)}"]
    variables = path / "variables" / "variables.index"
    if variables.is_file():
        shapes = tf.train.load_checkpoint(str(path / "variables" / "variables")).get_variable_to_shape_map()
        weights = {k: v for k, v in shapes.items() if "/.ATTRIBUTES/VARIABLE_VALUE" in k}
        count = sum(int(np.prod(s)) for s in weights.values())
        lines.append(f"  variables: {len(weights)} tensors, {count:,} values "
                     f"({_bytes(sum(p.stat().st_size for p in (path / 'variables').iterdir()))} on disk)")
    lines.append(signature_lines(meta_graph.signature_def))
    lines += _histogram_lines(dict(graph_op_histogram(meta_graph)), title="graph ops (functions included)")
    report_path = path / "assets.extra" / REPORT_NAME
    if report_path.is_file():
        lines += _report_lines(json.loads(report_path.read_text()))
    return "\n".join(lines)


def describe_model_folder(path: Path) -> str:
    versions = sorted(int(p.name) for p in path.iterdir() if p.name.isdigit())
    lines = [f"model folder {path}: versions {', '.join(map(str, versions))} (TF Serving serves the policy in "
             f"models.config; default: the latest)"]
    others = [p.name for p in path.iterdir() if not p.name.isdigit() and not p.name.startswith(".")]
    if others:
        lines.append(f"  other entries (ignored by TF Serving): {', '.join(sorted(others))}")
    config = path.parent / "models.config"
    if config.is_file():
        text = config.read_text()
        entry = text[text.find(f'name: "{path.name}"'):]
        lines.append("  models.config entry: " + " ".join(entry.split("config {")[0].split())[:300])
    for version in versions:
        lines += ["", describe_saved_model(path / str(version))]
    return "\n".join(lines)


def _io_lines(spec) -> list[str]:
    lines = []
    for title, tensors in (("inputs", spec.inputs), ("outputs", spec.outputs)):
        lines.append(f"  {title}:")
        for t in tensors:
            shape = ", ".join("-1" if d is None else str(d) for d in t.shape)
            lines.append(f"    {t.onnx_name}: {t.dtype} ({shape})")
    return lines


def _histogram_lines(counts: dict[str, int], title: str = "ops") -> list[str]:
    ordered = Counter(counts).most_common()
    return [f"  {title}: {sum(counts.values())} nodes, {len(counts)} types",
            "    " + ", ".join(f"{op} {n}" for op, n in ordered)]


def _report_lines(report: dict) -> list[str]:
    parity = report.get("parity", {})
    rows = parity.get("rows", [])
    worst = max((r["max_abs"] for r in rows), default=0.0)
    return ["  conversion report:",
            f"    source: {report.get('source', {}).get('checkpoint')} ({report.get('source', {}).get('format')}), "
            f"exporter {report.get('exporter')}, opset {report.get('opset')}, backend {report.get('backend')}",
            f"    parity: {'passed' if parity.get('passed') else 'FAILED'} on {len(rows)} comparisons, "
            f"worst max abs {worst:.3g} (atol {parity.get('atol')}, rtol {parity.get('rtol')})",
            f"    warnings: {len(report.get('warnings', []))}" + "".join(f"\n      - {w}" for w in report.get("warnings", []))]


def _initializer_bytes(initializer) -> int:
    from onnx.helper import tensor_dtype_to_np_dtype
    try:
        return int(np.prod(initializer.dims)) * np.dtype(tensor_dtype_to_np_dtype(initializer.data_type)).itemsize
    except (KeyError, TypeError):
        return 0


def _bytes(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count} B"
        count /= 1024
    return f"{count} B"
