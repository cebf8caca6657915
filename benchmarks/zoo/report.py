"""The zoo's results: per-model table, summary (converted with parity N/M, median and worst latency ratio at
batch 1 and 8), every failure with its one-line reason; written as JSON and Markdown."""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

BATCHES = ("1", "8")


def machine() -> dict:
    cpu, flags = platform.processor() or "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not flags:
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    # TF picks oneDNN kernels by default only on AVX-512 CPUs, Eigen's otherwise: every ratio depends on it
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "vector_isa": vector, "cores": os.cpu_count(), "usable_cores": usable, "platform": platform.platform(),
            "load_average": [round(v, 2) for v in os.getloadavg()]}


def tool_versions() -> dict:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for package in ("torch", "torchvision", "timm", "transformers", "onnx", "onnxruntime", "tensorflow", "keras",
                    "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _ratio_stats(values: list[float]) -> dict | None:
    if not values:
        return None
    worst = max(values)
    return {"median": round(statistics.median(values), 3), "worst": round(worst, 3), "count": len(values)}


def summarize(records: list[dict]) -> dict:
    """Counts and ratio statistics over the per-model records (convert phase, plus latency if measured)."""
    converted = [r for r in records if r.get("converted")]
    summary = {"models": len(records), "converted_with_parity": len(converted),
               "converted_with_parity_text": f"{len(converted)}/{len(records)}",
               "by_library": {}, "by_format": {}, "latency": {}, "keras": {}}
    for key, field in (("by_library", "library"), ("by_format", "format")):
        for value in sorted({r.get(field) for r in records}):
            group = [r for r in records if r.get(field) == value]
            summary[key][value] = f"{sum(1 for r in group if r.get('converted'))}/{len(group)}"
    for batch in BATCHES:
        ratios = [_latency(r, batch, "ratio") for r in converted]
        summary["latency"][f"b{batch}"] = _ratio_stats([v for v in ratios if v is not None])
        natives = [_latency(r, batch, "keras_ratio") for r in converted]
        summary["keras"][f"b{batch}"] = _ratio_stats([v for v in natives if v is not None])
        worst = max(((v, r["model"]) for r, v in zip(converted, ratios) if v is not None), default=None)
        if worst:
            summary["latency"][f"b{batch}"]["worst_model"] = worst[1]
    summary["failures"] = [{"model": r["model"], "format": r.get("format"), "exit_code": r.get("exit_code"),
                            "stage": r.get("stage"), "error": r.get("error", "")}
                           for r in records if not r.get("converted")]
    return summary


def _latency(record: dict, batch: str, key: str):
    entry = (record.get("latency") or {}).get(batch) or {}
    return entry.get(key)


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _parity_cell(record: dict, reference: str) -> str:
    entry = (record.get("parity") or {}).get(reference)
    if not entry:
        return "-"
    return f"{entry['max_abs']:.2g} / {entry['max_rel']:.2g}"


def markdown(result: dict) -> str:
    s, m = result["summary"], result["machine"]
    lines = [f"# Model zoo: {result['date']}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), load average at start "
             f"{m['load_average']}. Phases in this file: {', '.join(result['phases'])}.", "",
             "Tools: " + ", ".join(f"{k} {v}" for k, v in result["tools"].items()), "",
             f"**Converted with parity at default flags: {s['converted_with_parity_text']}** "
             f"(by library: {', '.join(f'{k} {v}' for k, v in s['by_library'].items())}; "
             f"by format: {', '.join(f'{k} {v}' for k, v in s['by_format'].items())})."]
    for batch in BATCHES:
        stats, native = s["latency"].get(f"b{batch}"), s["keras"].get(f"b{batch}")
        if stats:
            lines.append(f"- batch {batch}: ours / ONNX Runtime median {stats['median']}x, worst {stats['worst']}x "
                         f"({stats['worst_model']}), over {stats['count']} models")
        if native:
            lines.append(f"- batch {batch}: ours / native Keras median {native['median']}x, worst {native['worst']}x "
                         f"over {native['count']} models")
    if result.get("latency_conditions"):
        lines += ["", f"Latency conditions: {result['latency_conditions']}"]
    lines += ["", "| model | library | family | format | converted | parity vs PyTorch (max abs / rel) | "
              "vs ONNX Runtime | noise floor | convert s | ours b1 ms | ORT b1 ms | ratio b1 | ours b8 ms | "
              "ORT b8 ms | ratio b8 | Keras b1 / b8 ratio |",
              "|" + "---|" * 16]
    for r in result["models"]:
        lat = r.get("latency") or {}
        b1, b8 = lat.get("1") or {}, lat.get("8") or {}
        floor = max((e.get("noise_floor", 0.0) for e in (r.get("parity") or {}).values()), default=None)
        keras = "-" if not (b1.get("keras_ratio") or b8.get("keras_ratio")) else \
            f"{_fmt(b1.get('keras_ratio'))} / {_fmt(b8.get('keras_ratio'))}"
        ok = "yes" if r.get("converted") else f"NO (exit {r.get('exit_code')})"
        lines.append(f"| {r['model']} | {r.get('library')} | {r.get('family')} | {r.get('format')} | {ok} | "
                     f"{_parity_cell(r, 'pytorch')} | {_parity_cell(r, 'onnxruntime')} | {_fmt(floor or None, 2)} | "
                     f"{_fmt(r.get('seconds'))} | {_fmt(b1.get('ours_ms'))} | {_fmt(b1.get('onnxruntime_ms'))} | "
                     f"{_fmt(b1.get('ratio'))} | {_fmt(b8.get('ours_ms'))} | {_fmt(b8.get('onnxruntime_ms'))} | "
                     f"{_fmt(b8.get('ratio'))} | {keras} |")
    lines += ["", "## Failures", ""]
    for f in s["failures"]:
        lines.append(f"- **{f['model']}** ({f['format']}, {f['stage']}, exit {f['exit_code']}): {f['error']}")
    if not s["failures"]:
        lines.append("none")
    return "\n".join(lines) + "\n"


def build_result(records: list[dict], phases: list[str], extra: dict | None = None) -> dict:
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "phases": phases,
              "machine": machine(), "tools": tool_versions(), "summary": summarize(records), "models": records}
    result.update(extra or {})
    return result


def write_results(result: dict, out: Path, name: str = "zoo", stamp: str | None = None) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    text, md = json.dumps(result, indent=2, default=str), markdown(result)
    paths = (out / f"{name}-{stamp}.json", out / f"{name}-{stamp}.md")
    for path, content in ((paths[0], text), (paths[1], md), (out / f"{name}-latest.json", text),
                          (out / f"{name}-latest.md", md)):
        path.write_text(content)
    return paths
