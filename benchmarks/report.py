"""Issue-7 targets, ratios to ONNX Runtime, and the JSON + markdown written to benchmarks/results/."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# (batch 1 limit, large-batch limit) for ours / ONNX Runtime latency
TARGETS = {"cnn": (1.15, 1.0), "encoder": (1.25, 1.25)}


def _median(entry: dict, runtime: str, batch) -> float | None:
    return entry.get("latency", {}).get(runtime, {}).get(str(batch), {}).get("median_ms")


def _quotient(mine: float | None, theirs: float | None) -> float | None:
    return None if mine is None or not theirs else round(mine / theirs, 3)


def ratio(entry: dict, runtime: str, batch, against: str = "onnxruntime") -> float | None:
    return _quotient(_median(entry, runtime, batch), _median(entry, against, batch))


def _variant_ratio(entry: dict, timing: dict, batch) -> float | None:
    """A variant against the ONNX Runtime timing taken beside it (older results: the main table's)."""
    beside = timing.get("onnxruntime", {}).get(str(batch), {}).get("median_ms")
    return _quotient(timing.get(str(batch), {}).get("median_ms"), beside or _median(entry, "onnxruntime", batch))


def evaluate_targets(kind: str, entry: dict, batch: int) -> dict:
    """Each applicable target: the measured ratio, the limit, met or not."""
    checks = {}
    if kind in TARGETS:
        for b, limit in zip((1, batch), TARGETS[kind]):
            measured = ratio(entry, "ours", b)
            checks[f"ours/onnxruntime batch {b}"] = {"ratio": measured, "limit": limit,
                                                     "met": measured is not None and measured <= limit}
    if "classic" in entry.get("latency", {}):
        for b in (1, batch):
            measured = ratio(entry, "ours", b, against="classic")
            checks[f"ours/classic batch {b}"] = {"ratio": measured, "limit": 1.0,
                                                 "met": measured is not None and measured <= 1.0}
    return checks


def _fmt(value, digits=2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown(results: dict) -> str:
    batch = results["batch"]
    lines = [f"# Benchmark ({'quick harness check' if results['quick'] else 'full'}; {results['cpu_count']} CPUs, "
             f"median of {results['runs']} runs after {results['warmup']} warm-up)", "",
             f"Latency ratios to ONNX Runtime (lower is better; < 1 means faster than ORT). "
             f"Throughput in items/s at batch {batch}.", "",
             f"TF (ours and classic) runs in the model server environment our compose file and serve.sh set: "
             f"{' '.join(f'{k}={v}' for k, v in results.get('server_env', {}).items()) or 'TF defaults'}; "
             f"the `default_server_env` row below is TF's default environment.", "",
             f"| model | convert s | peak MB | ours b1 ms | ORT b1 ms | torch b1 ms | classic b1 ms | "
             f"ours/ORT b1 | ours/ORT b{batch} | torch/ORT b{batch} | classic/ORT b{batch} | "
             f"ours items/s | ORT items/s | targets |",
             "|" + "---|" * 14]
    for name, entry in results["models"].items():
        conv = entry["conversion"]["ours"]
        throughput = {r: (None if _median(entry, r, batch) is None else batch * 1000 / _median(entry, r, batch))
                      for r in ("ours", "onnxruntime")}
        targets = entry.get("targets", {})
        verdict = "n/a" if not targets else ("met" if all(t["met"] for t in targets.values()) else
                                             "MISSED: " + ", ".join(k for k, t in targets.items() if not t["met"]))
        lines.append(
            f"| {name} | {_fmt(conv.get('seconds'), 1)} | {_fmt(conv.get('peak_rss_mb'), 0)} | "
            f"{_fmt(_median(entry, 'ours', 1))} | {_fmt(_median(entry, 'onnxruntime', 1))} | "
            f"{_fmt(_median(entry, 'pytorch', 1))} | {_fmt(_median(entry, 'classic', 1))} | "
            f"{_fmt(ratio(entry, 'ours', 1))} | {_fmt(ratio(entry, 'ours', batch))} | "
            f"{_fmt(ratio(entry, 'pytorch', batch))} | {_fmt(ratio(entry, 'classic', batch))} | "
            f"{_fmt(throughput['ours'], 1)} | {_fmt(throughput['onnxruntime'], 1)} | {verdict} |")
    lines += ["", "## TF options tried (ours, ratio to ONNX Runtime)", "",
              "Each variant is timed taking turns with ONNX Runtime, in its own blocks after the main table's.", "",
              f"| model | variant | b1 | b{batch} |", "|---|---|---|---|"]
    for name, entry in results["models"].items():
        for variant, timing in entry.get("variants", {}).items():
            if "error" in timing:
                lines.append(f"| {name} | {variant} | failed: {timing['error'][:80]} | |")
                continue
            cells = [_fmt(_variant_ratio(entry, timing, b)) for b in (1, batch)]
            lines.append(f"| {name} | {variant}{' (opt-in)' if variant.startswith('xla') else ''} | {cells[0]} | {cells[1]} |")
    lines += ["", "## Notes", ""]
    lines += machine_probe_notes(results.get("machine_probe_ms", {}))
    if results.get("classic_note"):
        lines.append(f"- classic recipe column skipped: {results['classic_note']}")
    for name, entry in results["models"].items():
        if "error" in entry:
            lines.append(f"- {name}: measuring failed: {entry['error'][:200]}")
        for label, conv in entry["conversion"].items():
            if "error" in conv:
                lines.append(f"- {name}: {label} conversion failed: {conv['error'][:200]}")
        missed = [k for k, t in entry.get("targets", {}).items() if not t["met"]]
        if missed or results["quick"]:
            profile = ", ".join(f"{op} {share}%" for op, share in entry.get("profile_batch_large", []))
            lines.append(f"- {name}: where our time goes at batch {batch} (TF op time share): {profile or 'n/a'}")
        if "transposes_in_graph" in entry:
            ways = entry.get("batch_split", 1)
            copies = f" (ours holds {ways + 1} copies of the model: the unsplit path and {ways} batch slices)"
            lines.append(f"- {name}: Transpose ops in the served graph: {entry['transposes_in_graph']}"
                         + (copies if ways > 1 else ""))
        lines.append(f"- {name}: max |output - PyTorch| at batch 1: {entry.get('parity_max_abs')}")
    return "\n".join(lines) + "\n"


# A host whose speed changes more than this during the run (same fixed workload) makes the ratios suspect.
PROBE_SPREAD_LIMIT = 0.10


def machine_probe_notes(probes: dict) -> list[str]:
    if not probes:
        return []
    fastest, slowest = min(probes.values()), max(probes.values())
    spread = slowest / fastest - 1
    lines = [f"- machine speed probe (fixed numpy workload, ms, before each model and at the end): "
             f"{', '.join(f'{k} {v}' for k, v in probes.items())}; spread {spread:.0%}"]
    if spread > PROBE_SPREAD_LIMIT:
        lines.append(f"- **WARNING: the machine's speed changed by {spread:.0%} during this run** (another load on "
                     f"the host?): ratios measured while it changed are skewed. Rerun on an idle machine.")
    return lines


def write_reports(results: dict, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    stem = f"{stamp}{'-quick' if results['quick'] else ''}"
    text = markdown(results)
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md"}
    paths["json"].write_text(json.dumps(results, indent=2))
    paths["markdown"].write_text(text)
    latest = "latest-quick" if results["quick"] else "latest"
    (out_dir / f"{latest}.json").write_text(json.dumps(results, indent=2))
    (out_dir / f"{latest}.md").write_text(text)
    return {**paths, "markdown_text": text}


def per_environment_main(module: str, description: str, environments: dict[str, dict], child, markdown,
                         name: str, key: str, default_runs: int) -> int:
    """The command line of a benchmark measured once per environment (TF's kernel families, runtimes): the parent
    runs `python -m module --child NAME` for each NAME of `environments`, each in a process of its own with that
    environment (TF reads it once, at import), and publishes {date, machine, runs, key: NAME -> child(NAME,
    runs)} as <name>.json and markdown(results) as <name>.md; 1, after a one-line error, when a child fails."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=default_runs)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    parser.add_argument("--child", choices=list(environments), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs)))
        return 0
    from benchmarks.zoo.report import machine
    from benchmarks.zoo.runner import run_json_child

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    measured = {}
    for environment, env in environments.items():
        measured[environment] = run_json_child(["-m", module, "--child", environment, "--runs", str(args.runs)],
                                               env=env)
        if "error" in measured[environment]:
            print(f"{module}: the {environment} run failed: {measured[environment]['error']}", file=sys.stderr)
            return 1
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "machine": machine(),
               "runs": args.runs, key: measured}
    text = markdown(results)
    write_result_files(Path(args.out), [name], results, text)
    print(text)
    return 0


def write_result_files(out_dir: Path, names: list[str], results: dict, text: str, indent: int = 1) -> None:
    """`results` as <name>.json and its markdown `text` as <name>.md under `out_dir`, for each of `names`
    (a stamped name and a -latest one)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        (out_dir / f"{name}.json").write_text(json.dumps(results, indent=indent) + "\n")
        (out_dir / f"{name}.md").write_text(text)
