"""The figures tables of README.md and docs/*.md, rendered from the results files in benchmarks/results/.

    .venv/bin/python -m benchmarks.tables            # rewrite every generated block in README.md and docs/*.md
    .venv/bin/python -m benchmarks.tables --check    # exit 1 if a block differs from what the results give

A generated block sits between two marker comments and is replaced as a whole, first marker included:

    <!-- generated:NAME from benchmarks/results/FILE; do not edit -->
    ...
    <!-- end generated:NAME -->

NAME is a key of BLOCKS below. Every block ends with its source file(s), the date and the machine as the
results file records them ("not recorded" where an older file lacks them). Never edit a figure inside a
block by hand: rerun the benchmark (or fix the renderer) and regenerate. tests/benchmarks/test_docs_tables.py
checks that the committed blocks equal what this module renders from the committed results files.

Results files read here: benchmarks/run.py's `<UTC stamp>.json` and `latest.json` (benchmarks/report.py),
benchmarks/large_model.py's `large_model.json`, conversion_time.py's and convert_many.py's `*-latest.json`,
and the model zoo's `zoo-latest.json`
(`python -m benchmarks.zoo`, benchmarks/zoo/report.py). While zoo-latest.json does not exist the zoo tables
say "zoo results pending" instead of failing.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from benchmarks.report import ratio, _median, _variant_ratio

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RESULTS_PREFIX = "benchmarks/results/"

BEGIN = re.compile(r"<!-- generated:(?P<name>[\w.-]+) from (?P<sources>[^;>]*); do not edit -->\n")
ANY_BEGIN = re.compile(r"^<!-- generated:", re.MULTILINE)     # a marker starts its line
BLOCK = re.compile(r"<!-- generated:(?P<name>[\w.-]+) from (?P<sources>[^;>]*); do not edit -->\n"
                   r"(?P<body>.*?)<!-- end generated:(?P=name) -->", re.DOTALL)

PENDING = "zoo results pending"

# Display names of benchmarks/run.py's models (benchmarks/models.py, examples/models.py).
MODEL_NAMES = {
    "resnet50": "ResNet-50-sized CNN",
    "bert_base_encoder": "BERT-base-sized encoder (seq 128)",
}


class Missing(Exception):
    """A results file a block needs does not exist."""


# ---------------------------------------------------------------------------------------------- helpers

def _load(results: Path, name: str) -> dict:
    path = results / name
    if not path.is_file():
        raise Missing(f"{RESULTS_PREFIX}{name}")
    return json.loads(path.read_text())


def _model_name(key: str) -> str:
    if key.startswith("example_"):
        return f"{key[len('example_'):]} (example)"
    return MODEL_NAMES.get(key, key)


def _x(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ms(value) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value >= 100 else f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _rate(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"


def _gb(value) -> str:
    return "" if value is None else f"{value / 1e9:.2f}"


def _stamp_date(stem: str) -> str | None:
    """`20261204-194718` -> `2026-12-04 19:47 UTC` (benchmarks/report.py names its files by UTC time)."""
    match = re.fullmatch(r"(\d{8}-\d{6})(-quick)?", stem)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").strftime("%Y-%m-%d %H:%M UTC")


def _twin(results: Path, name: str) -> str | None:
    """The timestamped file holding the same run as latest.json (report.py writes both, same content)."""
    content = (results / name).read_bytes()
    for path in sorted(results.glob("2*.json"), reverse=True):
        if path.name != name and path.read_bytes() == content:
            return path.name
    return None


def _machine(data: dict) -> str:
    """The machine as the file records it: newer files may carry `machine` (benchmarks/zoo/report.py's
    form: cpu, cores, usable_cores); benchmarks/run.py's files so far record only the CPU count."""
    machine = data.get("machine")
    if isinstance(machine, dict) and machine.get("cpu"):
        cores = machine.get("cores")
        usable = machine.get("usable_cores")
        text = f"{machine['cpu']}, {cores} cores"
        return text + (f" ({usable} usable)" if usable not in (None, cores) else "")
    if data.get("cpu_count"):
        return f"machine not recorded ({data['cpu_count']} CPUs)"
    return "machine not recorded"


def _run_provenance(results: Path, name: str, data: dict) -> str:
    twin = _twin(results, name) if not _stamp_date(Path(name).stem) else None
    stem = Path(twin or name).stem
    date = data.get("date") or _stamp_date(stem) or "date not recorded"
    same = f" (the run `{twin}`)" if twin else ""
    return f"`{RESULTS_PREFIX}{name}`{same}, {date}, {_machine(data)}"


def _probe_note(data: dict) -> str:
    probes = data.get("machine_probe_ms") or {}
    if not probes:
        return "machine speed probe not recorded"
    spread = max(probes.values()) / min(probes.values()) - 1
    warned = " (the report warns: ratios measured while the host changed speed are skewed)" if spread > 0.10 else ""
    return f"machine speed probe spread {spread:.0%} during the run{warned}"


def _source_line(*parts: str) -> str:
    return "Source: " + "; ".join(parts) + "."


# ------------------------------------------------------------------------------ benchmarks/run.py tables

def _main_table(data: dict) -> list[str]:
    batch = data["batch"]
    lines = [f"| model | ours b1 ms | ORT b1 ms | classic b1 ms | ours/ORT b1 | ours/ORT b{batch} | "
             f"torch/ORT b{batch} | classic/ORT b{batch} | ours items/s b{batch} | ORT items/s b{batch} |",
             "|" + "---|" * 10]
    for key, entry in data["models"].items():
        rates = {r: (None if not _median(entry, r, batch) else batch * 1000 / _median(entry, r, batch))
                 for r in ("ours", "onnxruntime")}
        lines.append(f"| {_model_name(key)} | {_ms(_median(entry, 'ours', 1))} | "
                     f"{_ms(_median(entry, 'onnxruntime', 1))} | {_ms(_median(entry, 'classic', 1))} | "
                     f"{_x(ratio(entry, 'ours', 1))} | {_x(ratio(entry, 'ours', batch))} | "
                     f"{_x(ratio(entry, 'pytorch', batch))} | {_x(ratio(entry, 'classic', batch))} | "
                     f"{_rate(rates['ours'])} | {_rate(rates['onnxruntime'])} |")
    return lines


def _variants_table(data: dict) -> list[str]:
    """TF options tried, as ratios to the ONNX Runtime timing taken beside each; the large models only
    (the examples' ratios measure the session's fixed per-request cost)."""
    batch = data["batch"]
    models = [k for k, e in data["models"].items() if not k.startswith("example_") and e.get("variants")]
    if not models:
        return []
    variants = []
    for key in models:
        variants += [v for v in data["models"][key]["variants"] if v not in variants]
    header = "| variant (ratio to ONNX Runtime) | " + " | ".join(
        f"{_model_name(k)} b1 | {_model_name(k)} b{batch}" for k in models) + " |"
    lines = [header, "|" + "---|" * (1 + 2 * len(models))]
    for variant in variants:
        cells = []
        for key in models:
            entry = data["models"][key]
            timing = entry["variants"].get(variant)
            if timing is None or "error" in timing:
                cells += ["-", "-"]
            else:
                cells += [_x(_variant_ratio(entry, timing, b)) for b in (1, batch)]
        label = f"{variant} (opt-in)" if variant.startswith("xla") else variant
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _classic_failures(data: dict) -> str:
    by_reason: dict[str, list[str]] = {}
    for key, entry in data["models"].items():
        error = entry["conversion"].get("classic", {}).get("error")
        if error:
            reason = error.removeprefix("error: ").split(" (")[0]
            by_reason.setdefault(reason, []).append(_model_name(key))
    return "; ".join(f"{', '.join(models)}: {reason}" for reason, models in by_reason.items())


def _split_note(data: dict, keys=None) -> str:
    split = [k for k, e in data["models"].items() if (e.get("batch_split") or 1) > 1 and (keys is None or k in keys)]
    if not split:
        return ""
    return (f"Converted with the batch split ({', '.join(_model_name(k) for k in split)}: `--batch-split auto`, "
            "the default when this run was made; the default is now off, which the `batch_split_off` variant "
            "measures).")


def _unsplit_note(data: dict, keys) -> str:
    """For a table that shows only the main rows: the split models' figures without the split (today's
    default), from the same run's `batch_split_off` variant."""
    notes = []
    for key in keys:
        entry = data["models"].get(key) or {}
        timing = (entry.get("variants") or {}).get("batch_split_off")
        if (entry.get("batch_split") or 1) > 1 and timing and "error" not in timing:
            batch = data["batch"]
            notes.append(f"{_model_name(key)} was converted with `--batch-split auto` (then the default, now "
                         f"opt-in); without the split, in the same run: {_x(_variant_ratio(entry, timing, 1))}x "
                         f"at batch 1, {_x(_variant_ratio(entry, timing, batch))}x at batch {batch}.")
    return " ".join(notes)


def render_run(results: Path, name: str) -> str:
    data = _load(results, name)
    lines = _main_table(data)
    variants = _variants_table(data)
    if variants:
        lines += [""] + variants
    lines.append("")
    notes = [f"Median of {data['runs']} runs after {data['warmup']} warm-ups; ratios < 1 are faster than ONNX "
             "Runtime; `classic` = TorchScript export at opset 13 + onnx-tf"]
    env = " ".join(f"{k}={v}" for k, v in (data.get("server_env") or {}).items())
    notes.append(f"TF runs with {env or 'its default environment'}")
    failures = _classic_failures(data)
    if failures:
        notes.append(f"classic recipe failed: {failures}")
    lines.append(". ".join(notes) + ". " + _split_note(data))
    lines[-1] = lines[-1].rstrip()
    lines += ["", _source_line(_run_provenance(results, name, data), _probe_note(data))]
    return "\n".join(lines)


def render_backends(results: Path, name: str) -> str:
    """Ours against the classic recipe (conversion time, latency, agreement with PyTorch) in one run."""
    data = _load(results, name)
    batch = data["batch"]
    lines = [f"| model | convert s ours / classic | ours ms b1 / b{batch} | classic ms b1 / b{batch} | "
             f"ORT ms b1 / b{batch} | max abs vs PyTorch ours / classic |", "|" + "---|" * 6]
    for key, entry in data["models"].items():
        conv = entry["conversion"]
        classic = conv.get("classic", {})
        parity = entry.get("parity_max_abs") or {}
        if classic.get("error"):
            reason = classic["error"].removeprefix("error: ").split(" (")[0]
            lines.append(f"| {_model_name(key)} | {_x(conv['ours'].get('seconds'), 1)} / - | "
                         f"{_ms(_median(entry, 'ours', 1))} / {_ms(_median(entry, 'ours', batch))} | "
                         f"classic failed: {reason} | {_ms(_median(entry, 'onnxruntime', 1))} / "
                         f"{_ms(_median(entry, 'onnxruntime', batch))} | {_sci(parity.get('ours'))} / - |")
            continue
        lines.append(f"| {_model_name(key)} | {_x(conv['ours'].get('seconds'), 1)} / "
                     f"{_x(classic.get('seconds'), 1)} | "
                     f"{_ms(_median(entry, 'ours', 1))} / {_ms(_median(entry, 'ours', batch))} | "
                     f"{_ms(_median(entry, 'classic', 1))} / {_ms(_median(entry, 'classic', batch))} | "
                     f"{_ms(_median(entry, 'onnxruntime', 1))} / {_ms(_median(entry, 'onnxruntime', batch))} | "
                     f"{_sci(parity.get('ours'))} / {_sci(parity.get('classic'))} |")
    lines += ["", "Conversion time includes export, verification and publishing; latency is the median "
                  "TF1-session run (ours and classic) and ONNX Runtime on our exported ONNX.",
              "", _source_line(_run_provenance(results, name, data), _probe_note(data))]
    return "\n".join(lines)


def _sci(value) -> str:
    return "-" if value is None else f"{value:.1e}"


# ------------------------------------------------------------------------ benchmarks/large_model.py

STAGES = ("start-up", "load", "export", "passes", "reference", "translate", "savedmodel", "verify", "serving",
          "publish")


def render_large_model(results: Path, name: str = "large_model.json") -> str:
    data = _load(results, name)
    weights = data["weights_bytes"]
    tree = data.get("peak_rss_tree_by_stage_bytes", {})
    main = data.get("peak_rss_main_by_stage_bytes", {})
    children = data.get("peak_rss_children_by_stage_bytes", {})
    seconds = data.get("stage_seconds", {})
    met = "met" if data.get("target_met") else "NOT met"
    lines = [f"{data['depth']} x Linear({data['width']}, {data['width']}), {weights / 1e9:.2f} GB of float32 "
             f"weights: exit code {data['exit_code']}, parity {'passed' if data.get('parity_passed') else 'failed'}, "
             f"wall time {data['wall_seconds']} s. Peak RSS of the process tree "
             f"{data['peak_rss_tree_bytes'] / 1e9:.2f} GB = {data['ratio_tree']:.2f}x the weights "
             f"(target <= 3x: {met}); the converting process alone {data['peak_rss_main_bytes'] / 1e9:.2f} GB "
             f"= {data['ratio_main']:.2f}x.", "",
             "| stage | seconds | tree (GB) | converting process (GB) | its children (GB) |",
             "|---|---|---|---|---|"]
    peak = max(tree.values()) if tree else None
    for stage in [s for s in STAGES if s in tree] + [s for s in tree if s not in STAGES]:
        value = _gb(tree.get(stage))
        if tree.get(stage) == peak:
            value = f"**{value}**"
        child = children.get(stage)
        lines.append(f"| {stage} | {'' if stage not in seconds else f'{seconds[stage]:.2f}'} | {value} | "
                     f"{_gb(main.get(stage))} | {_gb(child) if child else ''} |")
    cores = data.get("cpus")
    machine = "machine not recorded" + (f" ({cores} CPU core{'s' if cores != 1 else ''} used, affinity "
                                        f"{data.get('affinity')})" if cores else "")
    lines += ["", _source_line(f"`{RESULTS_PREFIX}{name}`, date not recorded in the file, {machine}")]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- model zoo

ZOO_FILE = "zoo-latest.json"
LIBRARIES = ("torchvision", "timm", "transformers")


def _zoo(results: Path) -> dict | None:
    try:
        return _load(results, ZOO_FILE)
    except Missing:
        return None


def _lat(record: dict, batch: str, key: str = "ratio"):
    return ((record.get("latency") or {}).get(batch) or {}).get(key)


def _stats(records: list[dict], batch: str, key: str = "ratio") -> dict | None:
    values = [(v, r["model"]) for r in records if r.get("converted") and (v := _lat(r, batch, key)) is not None]
    if not values:
        return None
    worst = max(values)
    return {"median": statistics.median(v for v, _ in values), "worst": worst[0], "worst_model": worst[1],
            "count": len(values)}


def _stats_cell(stats: dict | None, with_model: bool = True) -> str:
    if stats is None:
        return "not measured"
    worst = f" ({stats['worst_model']})" if with_model else ""
    return f"median {stats['median']:.2f}x, worst {stats['worst']:.2f}x{worst}"


def _libraries(records: list[dict]) -> list[str]:
    found = {r.get("library") for r in records}
    return [lib for lib in LIBRARIES if lib in found] + sorted(lib for lib in found - set(LIBRARIES) if lib)


KERNEL_WORDS = {"eigen": "Eigen's kernels (TF_ENABLE_ONEDNN_OPTS=0)",
                "onednn": "oneDNN's kernels (TF_ENABLE_ONEDNN_OPTS=1)",
                "onednn_frozen": "oneDNN's kernels with TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1 (our compose file's "
                                 "environment on a oneDNN CPU)"}


def _zoo_provenance(zoo: dict, short: bool = False, name: str = ZOO_FILE) -> str:
    return _source_line(*_zoo_provenance_parts(zoo, short, name))


def _zoo_provenance_parts(zoo: dict, short: bool, name: str) -> list[str]:
    machine = zoo.get("machine") or {}
    tools = zoo.get("tools") or {}
    versions = ", ".join(f"{k} {tools[k]}" for k in ("torch", "tensorflow", "onnxruntime") if tools.get(k))
    conditions = zoo.get("latency_conditions") or {}
    kernels = conditions.get("tf_kernels", "default")
    env = (conditions.get("tf_env") or {}).get("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS")
    parts = [f"`{RESULTS_PREFIX}{name}`, {zoo.get('date', 'date not recorded')}, {_machine(zoo)}"]
    if kernels != "default":
        parts.append(f"latency with {KERNEL_WORDS.get(kernels, kernels)}")
    elif env:
        parts.append("latency in TF's default environment" if env.startswith("unset") else
                     f"latency with TF_ONEDNN_ASSUME_FROZEN_WEIGHTS={env}")
    if short:
        return parts
    parts.append(f"phases: {', '.join(zoo.get('phases', [])) or 'not recorded'}")
    if machine.get("load_average"):
        parts.append(f"load average at start {', '.join(str(v) for v in machine['load_average'])}")
    if versions:
        parts.append(versions)
    return parts


def render_zoo_summary(results: Path) -> str:
    zoo = _zoo(results)
    if zoo is None:
        return (f"**{PENDING}**: `{RESULTS_PREFIX}{ZOO_FILE}` does not exist yet; `python -m benchmarks.zoo "
                "--phase all` writes it, then `python -m benchmarks.tables` fills this table.")
    records = zoo["models"]
    lines = ["| library | converted with parity | ours / ONNX Runtime b1 | ours / ONNX Runtime b8 | "
             "ours / native Keras b1 | ours / native Keras b8 |", "|---|---|---|---|---|---|"]
    groups = [(lib, [r for r in records if r.get("library") == lib]) for lib in _libraries(records)]
    groups.append(("all", records))
    for label, group in groups:
        converted = sum(1 for r in group if r.get("converted"))
        name = f"**{label}**" if label == "all" else label
        lines.append(f"| {name} | {converted}/{len(group)} | {_stats_cell(_stats(group, '1'))} | "
                     f"{_stats_cell(_stats(group, '8'))} | {_stats_cell(_stats(group, '1', 'keras_ratio'))} | "
                     f"{_stats_cell(_stats(group, '8', 'keras_ratio'))} |")
    formats = sorted({r.get("format") for r in records if r.get("format")})
    by_format = ", ".join(f"{fmt} {sum(1 for r in records if r.get('format') == fmt and r.get('converted'))}/"
                          f"{sum(1 for r in records if r.get('format') == fmt)}" for fmt in formats)
    lines += ["", f"By checkpoint format: {by_format}. Latency ratios over the converted models whose latency "
                  "was measured; < 1 is faster.", "", _zoo_provenance(zoo)]
    return "\n".join(lines)


ZOO_ONEDNN_FILE = "zoo_onednn_frozen-latest.json"


# The last whole-zoo run on the AVX2 machine (TF's default there: Eigen's kernels), which the kernel-family and
# issue-18 comparisons are made against: the zoo's later runs are on an AVX-512 machine, where the default is
# oneDNN's kernels.
ZOO_AVX2_FILE = "zoo-20261207-141248.json"


def render_zoo_kernels(results: Path, other_name: str = ZOO_ONEDNN_FILE, default_name: str = ZOO_AVX2_FILE) -> str:
    """Per model, ours / ONNX Runtime with TF's default kernels (a zoo run) and with oneDNN's (a zoo run with
    `--tf-kernels`): what a server whose CPU gets oneDNN by default, or that sets it, would see."""
    default, other = _load(results, default_name), _load(results, other_name)
    others = {r["model"]: r for r in other["models"]}
    lines = ["| model | library | b1 default | b1 oneDNN | b8 default | b8 oneDNN |", "|---|---|---|---|---|---|"]
    rows = []
    for record in default["models"]:
        cells = [_lat(record, "1"), _lat(others.get(record["model"], {}), "1"),
                 _lat(record, "8"), _lat(others.get(record["model"], {}), "8")]
        rows.append((-(cells[3] or 0), f"| {record['model']} | {record.get('library', '')} | "
                     + " | ".join("-" if v is None else f"{v:.2f}x" for v in cells) + " |"))
    lines += [row for _, row in sorted(rows)]
    summary = []
    for label, zoo in (("default", default), ("oneDNN", other)):
        b1, b8 = _stats(zoo["models"], "1"), _stats(zoo["models"], "8")
        ratios = [v for r in zoo["models"] if (v := _lat(r, "8")) is not None]
        if b1 and b8:
            summary.append(f"{label}: median {b1['median']:.2f}x at batch 1, {b8['median']:.2f}x at batch 8; at batch 8 "
                           f"{sum(v <= 1.2 for v in ratios)}/{len(ratios)} within 1.2x, "
                           f"{sum(v > 2 for v in ratios)} above 2x")
    lines += ["", "Ours / ONNX Runtime, sorted by the oneDNN batch-8 ratio. " + "; ".join(summary) + ". The two "
              "runs were made at different times: the host's drift between them moves ratios too.", "",
              _source_line("default: " + ", ".join(_zoo_provenance_parts(default, True, default_name)),
                           "oneDNN: " + ", ".join(_zoo_provenance_parts(other, True, other_name)))]
    return "\n".join(lines)


ZOO_BEFORE_ISSUE_18 = "zoo-20261207-001245.json"


def render_zoo_change(results: Path, before_name: str = ZOO_BEFORE_ISSUE_18, after_name: str = ZOO_AVX2_FILE) -> str:
    """Per model, ours / ONNX Runtime in an earlier zoo run and a later one on the same machine: what a change did."""
    before, after = _load(results, before_name), _load(results, after_name)
    earlier = {r["model"]: r for r in before["models"]}
    lines = ["| model | library | b1 before | b1 now | b8 before | b8 now |", "|---|---|---|---|---|---|"]
    rows = []
    for record in after["models"]:
        old = earlier.get(record["model"], {})
        cells = [_lat(old, "1"), _lat(record, "1"), _lat(old, "8"), _lat(record, "8")]
        rows.append((-(cells[1] or 0), f"| {record['model']} | {record.get('library', '')} | "
                     + " | ".join("-" if v is None else f"{v:.2f}x" for v in cells) + " |"))
    lines += [row for _, row in sorted(rows)]
    medians = [_stats(group["models"], batch) for group in (before, after) for batch in ("1", "8")]
    lines += ["", "Median over all models: batch 1 " + " -> ".join(f"{m['median']:.2f}x" for m in medians[0::2] if m)
              + ", batch 8 " + " -> ".join(f"{m['median']:.2f}x" for m in medians[1::2] if m) + ". Sorted by the "
              "batch-1 ratio now. Each run measured its ratios side by side, but the host's speed differs between runs "
              "and moves ratios too: models this change did not touch (ResNet, DenseNet, Inception) show by how much.",
              "", _source_line(f"before: `{RESULTS_PREFIX}{before_name}`, {before.get('date')}",
                               f"now: `{RESULTS_PREFIX}{after_name}`, {after.get('date')}")]
    return "\n".join(lines)


def render_zoo_failures(results: Path) -> str:
    zoo = _zoo(results)
    if zoo is None:
        return f"**{PENDING}** (`{RESULTS_PREFIX}{ZOO_FILE}` does not exist yet)."
    failed = [r for r in zoo["models"] if not r.get("converted")]
    if not failed:
        lines = ["Every model converted with parity."]
    else:
        lines = ["| model | library | format | exit | error (first line) |", "|---|---|---|---|---|"]
        for r in failed:
            error = " ".join(str(r.get("error") or "").split())
            error = error if len(error) <= 240 else error[:237] + "..."
            lines.append(f"| {r['model']} | {r.get('library')} | {r.get('format')} | {r.get('exit_code')} | "
                         f"{error.replace('|', '/')} |")
    lines += ["", _zoo_provenance(zoo)]
    return "\n".join(lines)


def render_readme_speed(results: Path) -> str:
    """The README's one table: the zoo per library, and the large models of the latest benchmark run."""
    zoo = _zoo(results)
    run = _load(results, "latest.json")
    batch = run["batch"]
    lines = [f"| models | converted with parity | ours / ONNX Runtime, batch 1 | batch 8 | batch {batch} |",
             "|---|---|---|---|---|"]
    if zoo is None:
        lines.append(f"| model zoo (torchvision, timm, transformers) | **{PENDING}** | | | |")
    else:
        records = zoo["models"]
        for lib in _libraries(records):
            group = [r for r in records if r.get("library") == lib]
            converted = sum(1 for r in group if r.get("converted"))
            lines.append(f"| zoo: {lib} | {converted}/{len(group)} | {_stats_cell(_stats(group, '1'))} | "
                         f"{_stats_cell(_stats(group, '8'))} | |")
        converted = sum(1 for r in records if r.get("converted"))
        lines.append(f"| **zoo: all** | **{converted}/{len(records)}** | {_stats_cell(_stats(records, '1'))} | "
                     f"{_stats_cell(_stats(records, '8'))} | |")
    shown = ("resnet50", "bert_base_encoder")
    for key in shown:
        entry = run["models"].get(key)
        if entry is None:
            continue
        ok = "yes" if entry["conversion"]["ours"].get("exit_code") == 0 else "no"
        lines.append(f"| benchmark: {_model_name(key)} | {ok} | {_x(ratio(entry, 'ours', 1))}x | | "
                     f"{_x(ratio(entry, 'ours', batch))}x |")
    sources = ["; ".join(_zoo_provenance_parts(zoo, True, ZOO_FILE)) if zoo else
               f"zoo: `{RESULTS_PREFIX}{ZOO_FILE}` not written yet"]
    sources.append(_run_provenance(results, "latest.json", run) + ", " + _probe_note(run))
    lines += ["", "Our SavedModel in a TF1 session (as TF Serving runs it) against ONNX Runtime on the same exported "
                  "ONNX, median latency; < 1 is faster. The benchmark's models have random weights. "
                  + _unsplit_note(run, shown),
              "", "Sources: " + "; ".join(sources) + "."]
    lines[-3] = lines[-3].rstrip()
    return "\n".join(lines)


def render_client_payload(results: Path, name: str = "client_payload.json") -> str:
    """One sentence: the REST body of one 224x224 JPEG through predict_image_bytes against the float tensor."""
    data = _load(results, name)
    row = next(r for r in data["rows"] if r["jpeg_quality"] == 90)
    return (f"One 224x224 photo as a quality-90 JPEG ({row['jpeg_bytes']:,} bytes) is a {row['rest_image_bytes']:,}-byte "
            f"REST body through `predict_image_bytes`; the same image as the preprocessed float tensor is "
            f"{row['rest_float_tensor']:,} bytes of REST JSON ({row['grpc_float_tensor']:,} over gRPC). "
            + _source_line(f"`{RESULTS_PREFIX}{name}`, {data['date']}, {_machine(data)}"))


# ----------------------------------------------------------- conversion time and convert-many (issue 20)

CONVERSION_TIME_FILE = "conversion_time-latest.json"
CONVERT_MANY_FILE = "convert_many-latest.json"
CONVERSION_MODELS = {"tiny_resnet": "the bundled TinyResNet", "resnet50_trace": "a torchvision ResNet-50 trace"}


def _body(markdown: str) -> str:
    """A benchmark's own markdown report without its title, its sections one level down."""
    return markdown.split("\n", 2)[2].strip().replace("\n## ", "\n### ")


def render_conversion_time(results: Path) -> str:
    from benchmarks.conversion_time import markdown

    data = _load(results, CONVERSION_TIME_FILE)
    return _body(markdown(data)) + "\n\n" + _source_line(
        f"`{RESULTS_PREFIX}{CONVERSION_TIME_FILE}`, {_stamp_date(data['stamp'])}, {data['machine']}")


def render_convert_many(results: Path) -> str:
    from benchmarks.convert_many import markdown

    data = _load(results, CONVERT_MANY_FILE)
    return _body(markdown(data)) + "\n\n" + _source_line(
        f"`{RESULTS_PREFIX}{CONVERT_MANY_FILE}`, {_stamp_date(data['stamp'])}, {data['cpus']} cores")


def render_readme_conversion(results: Path) -> str:
    """Two sentences: end-to-end conversion seconds against their targets, and convert-many against single runs."""
    from benchmarks.conversion_time import TARGETS
    from benchmarks.convert_many import TARGET_RATIO

    timing, many = _load(results, CONVERSION_TIME_FILE), _load(results, CONVERT_MANY_FILE)
    first, last = timing["columns"][0], timing["columns"][-1]
    parts = []
    for model, label in CONVERSION_MODELS.items():
        wall = last["models"][model]["wall"]["median"]
        before = (f"; {first['models'][model]['wall']['median']:.1f} s at {first['label']}"
                  if first is not last else "")
        parts.append(f"{label} in **{wall:.1f} s** (target {TARGETS[model]:.0f} s{before})")
    return (f"Converting, verification included (median of {timing['runs']} runs): {' and '.join(parts)}. "
            f"`convert-many` of {many['entries']} models with {many['workers']} workers: "
            f"**{many['convert_many']['wall_seconds']:.0f} s** against {many['single_runs']['wall_seconds']:.0f} s "
            f"as single runs (ratio {many['ratio']:.2f}, target < {TARGET_RATIO}). "
            + _source_line(f"`{RESULTS_PREFIX}{CONVERSION_TIME_FILE}`, {_stamp_date(timing['stamp'])}",
                           f"`{RESULTS_PREFIX}{CONVERT_MANY_FILE}`, {_stamp_date(many['stamp'])}",
                           f"{timing['machine']}")
            + " Breakdown: [docs/performance.md](docs/performance.md#conversion-time).")


# ------------------------------------------------------------------- where the time goes (issue 18)

BREAKDOWN_FILE = "op_breakdown-latest.json"
HANDWRITTEN_FILE = "handwritten_bert.json"
KERNEL_THROUGHPUT_FILE = "kernel_throughput.json"
SMALL_OPS_FILE = "small_ops.json"


def _report_block(markdown: Callable[[dict], str], results: Path, name: str) -> str:
    """A benchmark's own markdown report of results file `name` (which has a "date"), with its source line."""
    data = _load(results, name)
    return _body(markdown(data)) + "\n\n" + _source_line(f"`{RESULTS_PREFIX}{name}`, {data['date']}")


def render_op_breakdown(results: Path, name: str = BREAKDOWN_FILE) -> str:
    from benchmarks.zoo.breakdown import markdown

    return _report_block(markdown, results, name)


def render_zoo_compare(results: Path, name: str = "zoo_compare-latest.json") -> str:
    from benchmarks.zoo.compare import markdown

    return _report_block(markdown, results, name)


def _benchmark_block(module: str, name: str) -> Block:
    """Results file `name` in the markdown of the benchmark `module` that wrote it."""
    def render(results: Path) -> str:
        return _report_block(importlib.import_module(module).markdown, results, name)

    return Block((name,), render)


def _compare_block(name: str) -> Block:
    return Block((name,), lambda results: render_zoo_compare(results, name))


def _breakdown_block(name: str) -> Block:
    return Block((name,), lambda results: render_op_breakdown(results, name))


# ----------------------------------------------------------------------------------------- the blocks

@dataclass(frozen=True)
class Block:
    sources: tuple[str, ...]            # file names under benchmarks/results/
    render: Callable[[Path], str]


def _run_block(name: str) -> Block:
    return Block((name,), lambda results: render_run(results, name))


BLOCKS: dict[str, Block] = {
    "readme-speed": Block((ZOO_FILE, "latest.json"), render_readme_speed),
    "benchmark-latest": _run_block("latest.json"),
    "benchmark-20261204-200555": _run_block("20261204-200555.json"),
    "benchmark-20261204-143615": _run_block("20261204-143615.json"),
    "benchmark-20261122-033648": _run_block("20261122-033648.json"),
    "backends-20261122-015859": Block(("20261122-015859.json",),
                                      lambda results: render_backends(results, "20261122-015859.json")),
    "large-model": Block(("large_model.json",), render_large_model),
    "client-payload": Block(("client_payload.json",), render_client_payload),
    "zoo-summary": Block((ZOO_FILE,), render_zoo_summary),
    "zoo-failures": Block((ZOO_FILE,), render_zoo_failures),
    "conversion-time": Block((CONVERSION_TIME_FILE,), render_conversion_time),
    "convert-many": Block((CONVERT_MANY_FILE,), render_convert_many),
    "readme-conversion": Block((CONVERSION_TIME_FILE, CONVERT_MANY_FILE), render_readme_conversion),
    "zoo-change": Block((ZOO_BEFORE_ISSUE_18, ZOO_AVX2_FILE), render_zoo_change),
    "zoo-kernels": Block((ZOO_AVX2_FILE, ZOO_ONEDNN_FILE), render_zoo_kernels),
    "zoo-compare-20261207-032206": _compare_block("zoo_compare-20261207-032206.json"),
    "zoo-compare-20261207-033229": _compare_block("zoo_compare-20261207-033229.json"),
    "zoo-compare-20261207-050220": _compare_block("zoo_compare-20261207-050220.json"),
    "zoo-compare-20261207-052015": _compare_block("zoo_compare-20261207-052015.json"),
    "zoo-compare-20261207-055515": _compare_block("zoo_compare-20261207-055515.json"),
    "zoo-compare-20261207-084603": _compare_block("zoo_compare-20261207-084603.json"),
    "zoo-compare-20261207-085903": _compare_block("zoo_compare-20261207-085903.json"),
    "zoo-compare-20261207-102735": _compare_block("zoo_compare-20261207-102735.json"),
    "zoo-compare-20261207-122142": _compare_block("zoo_compare-20261207-122142.json"),
    "zoo-compare-20261207-122244": _compare_block("zoo_compare-20261207-122244.json"),
    "zoo-compare-20261207-132704": _compare_block("zoo_compare-20261207-132704.json"),
    "zoo-compare-20261207-133023": _compare_block("zoo_compare-20261207-133023.json"),
    "zoo-compare-20261207-135033": _compare_block("zoo_compare-20261207-135033.json"),
    "zoo-compare-20261207-135138": _compare_block("zoo_compare-20261207-135138.json"),
    "zoo-compare-20261207-140555": _compare_block("zoo_compare-20261207-140555.json"),
    "zoo-compare-20261207-140802": _compare_block("zoo_compare-20261207-140802.json"),
    "zoo-compare-20261207-143640": _compare_block("zoo_compare-20261207-143640.json"),
    "zoo-compare-20261207-143908": _compare_block("zoo_compare-20261207-143908.json"),
    "zoo-compare-20261207-144118": _compare_block("zoo_compare-20261207-144118.json"),
    "zoo-compare-20261207-173433": _compare_block("zoo_compare-20261207-173433.json"),
    "zoo-compare-20261207-174421": _compare_block("zoo_compare-20261207-174421.json"),
    "zoo-compare-20261207-193141": _compare_block("zoo_compare-20261207-193141.json"),
    "zoo-compare-20261207-194417": _compare_block("zoo_compare-20261207-194417.json"),
    "zoo-compare-20261207-195552": _compare_block("zoo_compare-20261207-195552.json"),
    "zoo-compare-20261207-214635": _compare_block("zoo_compare-20261207-214635.json"),
    "zoo-compare-20261207-214901": _compare_block("zoo_compare-20261207-214901.json"),
    "zoo-compare-20261207-222616": _compare_block("zoo_compare-20261207-222616.json"),
    "zoo-compare-20261207-225958": _compare_block("zoo_compare-20261207-225958.json"),
    "zoo-compare-20261208-011512": _compare_block("zoo_compare-20261208-011512.json"),
    "zoo-compare-20261208-012831": _compare_block("zoo_compare-20261208-012831.json"),
    "zoo-compare-20261208-023217": _compare_block("zoo_compare-20261208-023217.json"),
    "zoo-compare-20261208-023946": _compare_block("zoo_compare-20261208-023946.json"),
    "zoo-compare-20261208-024110": _compare_block("zoo_compare-20261208-024110.json"),
    "kernel-throughput": _benchmark_block("benchmarks.kernel_throughput", KERNEL_THROUGHPUT_FILE),
    "small-ops": _benchmark_block("benchmarks.small_ops", SMALL_OPS_FILE),
    "op-breakdown": _breakdown_block(BREAKDOWN_FILE),
    "op-breakdown-20261207-011537": _breakdown_block("op_breakdown-20261207-011537.json"),
    "op-breakdown-20261207-011406": _breakdown_block("op_breakdown-20261207-011406.json"),
    "op-breakdown-20261207-101914": _breakdown_block("op_breakdown-20261207-101914.json"),
    "op-breakdown-20261207-104628": _breakdown_block("op_breakdown-20261207-104628.json"),
    "op-breakdown-20261207-212919": _breakdown_block("op_breakdown-20261207-212919.json"),
    "op-breakdown-20261207-213013": _breakdown_block("op_breakdown-20261207-213013.json"),
    "op-breakdown-20261207-225737": _breakdown_block("op_breakdown-20261207-225737.json"),
    "op-breakdown-20261208-002340": _breakdown_block("op_breakdown-20261208-002340.json"),
    "op-breakdown-20261208-004522": _breakdown_block("op_breakdown-20261208-004522.json"),
    "handwritten-bert": _benchmark_block("benchmarks.handwritten_bert", HANDWRITTEN_FILE),
}


def begin_marker(name: str) -> str:
    sources = ", ".join(RESULTS_PREFIX + s for s in BLOCKS[name].sources)
    return f"<!-- generated:{name} from {sources}; do not edit -->"


def render_block(name: str, results: Path = RESULTS) -> str:
    """The whole block, both markers included."""
    if name not in BLOCKS:
        raise KeyError(f"unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
    return f"{begin_marker(name)}\n{BLOCKS[name].render(results)}\n<!-- end generated:{name} -->"


def blocks_in(text: str) -> list[re.Match]:
    """Every generated block of a document; a begin marker without its end marker, or one not in the full form
    (which would be left empty without a word), is an error."""
    found = list(BLOCK.finditer(text))
    if len(found) != len(BEGIN.findall(text)):
        raise ValueError("a '<!-- generated:NAME ...' marker has no matching '<!-- end generated:NAME -->'")
    if len(BEGIN.findall(text)) != len(ANY_BEGIN.findall(text)):
        raise ValueError("a '<!-- generated:NAME' marker is not in the form '<!-- generated:NAME from SOURCES; do not "
                         "edit -->' (write the name with empty sources and run python -m benchmarks.tables)")
    return found


def rewrite(text: str, results: Path = RESULTS) -> str:
    """The document with every generated block rendered afresh."""
    blocks_in(text)
    return BLOCK.sub(lambda m: render_block(m.group("name"), results), text)


def documents(root: Path = ROOT) -> list[Path]:
    """The files that may hold generated blocks: README.md and docs/*.md."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report blocks that differ (exit 1)")
    parser.add_argument("--results", default=str(RESULTS), help="results folder (default benchmarks/results)")
    parser.add_argument("files", nargs="*", help="documents (default: README.md and docs/*.md)")
    args = parser.parse_args(argv)
    results = Path(args.results)
    stale = []
    for path in [Path(f).resolve() for f in args.files] or documents():
        text = path.read_text()
        if not blocks_in(text):
            continue
        new = rewrite(text, results)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new)
        count = len(blocks_in(text))
        state = "differs" if new != text and args.check else "rewritten" if new != text else "up to date"
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {count} block(s), {state}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
