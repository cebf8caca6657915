#!/usr/bin/env python3
"""Benchmark of convert-many (issue 20): the ten-entry manifest of examples/make_manifest.py (six names,
some converted more than once) converted once with `torch2serving convert-many --workers 2` and once as ten
`torch2serving convert` runs one after the other, each in a fresh process, as a script would run them (five
before the convert-many run and five after it, so that a drift of the machine's load falls on both sides).

    .venv/bin/python -m benchmarks.convert_many              # run it on a machine as idle as you can get

Prints and writes benchmarks/results/convert_many-<stamp>.json and .md: both wall times and their ratio
(the target: convert-many under half the sum of the single runs), each worker's first conversion against
its later ones (what importing TensorFlow and torch once per worker saves), and the load average around
each phase (`uptime`'s numbers: the machine is shared, and both phases are measured on it as it is).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                TF_CPP_MIN_LOG_LEVEL="2")


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def run_many(manifest: Path, root: Path, workers: int) -> dict:
    command = [sys.executable, "-m", "converter", "convert-many", str(manifest), "--workers", str(workers),
               "--serving-root", str(root), "--json", "--quiet"]
    load_before, start = _load(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), cwd=ROOT)
    wall = time.perf_counter() - start
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    return {"wall_seconds": round(wall, 2), "exit_code": done.returncode, "load_before": load_before,
            "load_after": _load(), "summary": summary, "stderr_tail": done.stderr[-2000:] if done.returncode else ""}


def run_singles(entries: list) -> dict:
    runs = []
    load_before = _load()
    for entry in entries:
        command = [sys.executable, "-m", "converter", "convert", *entry.argv, "--json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=_env(), cwd=ROOT)
        wall = time.perf_counter() - start
        result = json.loads(done.stdout) if done.stdout.strip() else {}
        rows = result.get("report", {}).get("parity", {}).get("rows", [])
        runs.append({"entry": entry.index, "model": entry.name, "wall_seconds": round(wall, 2),
                     "exit_code": done.returncode, "version": result.get("version"),
                     "parity_max_abs": max((row["max_abs"] for row in rows), default=None)})
        print(f"  single {entry.label}: {wall:.1f} s (exit {done.returncode})", file=sys.stderr)
    return {"runs": runs, "wall_seconds": round(sum(r["wall_seconds"] for r in runs), 2),
            "load_before": load_before, "load_after": _load()}


def import_reuse(summary: dict) -> list[dict]:
    """Per worker: its start-up (imports), its first conversion and the mean of its later ones."""
    rows = []
    for worker in summary.get("workers", []):
        seconds = [c["seconds"] for c in worker["conversions"] if c.get("seconds") is not None]
        rows.append({"worker": worker["worker"], "startup_seconds": worker.get("startup_seconds"),
                     "first_seconds": seconds[0] if seconds else None,
                     "later_mean_seconds": round(statistics.mean(seconds[1:]), 2) if len(seconds) > 1 else None,
                     "later_seconds": seconds[1:],
                     "entries": [c["entry"] for c in worker["conversions"]]})
    return rows


def markdown(results: dict) -> str:
    many, singles = results["convert_many"], results["single_runs"]
    lines = [f"# convert-many benchmark {results['stamp']}", "",
             f"- machine: {results['cpus']} cores; load average (1, 5, 15 min) before convert-many "
             f"{many['load_before']}, after {many['load_after']}; single runs: half of them before convert-many "
             f"(load {singles['load_before']} at their start), half after (load {singles['load_after']} at their "
             f"end)",
             f"- manifest: {results['entries']} entries, {results['names']} model names "
             f"(examples/make_manifest.py DEFAULT_PLAN)",
             f"- convert-many --workers {results['workers']}: **{many['wall_seconds']:.1f} s** wall "
             f"(exit {many['exit_code']})",
             f"- {results['entries']} single `torch2serving convert` runs, one after the other: "
             f"**{singles['wall_seconds']:.1f} s** wall in total",
             f"- ratio convert-many / sum of singles: **{results['ratio']:.2f}** "
             f"(target < {TARGET_RATIO}: {'met' if results['target_met'] else 'NOT met'})", "",
             "## Import reuse: each worker's first conversion against its later ones", "",
             "| worker | start-up (imports) s | entries | first s | later s (mean) |", "|---|---|---|---|---|"]
    for row in results["import_reuse"]:
        later = ", ".join(f"{s:.1f}" for s in row["later_seconds"])
        mean = f" ({row['later_mean_seconds']:.1f})" if row["later_mean_seconds"] is not None else ""
        lines.append(f"| {row['worker']} | {row['startup_seconds']} | {', '.join(map(str, row['entries']))} | "
                     f"{row['first_seconds']} | {later}{mean} |")
    lines += ["", "## Per entry", "", "| entry | model | single run s (whole process) | in a worker s | "
              "version (many / single) | parity max abs (many / single) |", "|---|---|---|---|---|---|"]
    in_worker = {m["entry"]: m for m in many["summary"].get("models", [])}
    for run in singles["runs"]:
        mine = in_worker.get(run["entry"], {})
        lines.append(f"| {run['entry']} | {run['model']} | {run['wall_seconds']:.1f} | {mine.get('seconds')} | "
                     f"{mine.get('version')} / {run['version']} | {mine.get('parity_max_abs')} / "
                     f"{run['parity_max_abs']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "convert_many")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    from converter.many.manifest import load_manifest
    from examples.make_manifest import write_manifest

    shutil.rmtree(args.work, ignore_errors=True)
    manifest = write_manifest(args.work)
    entries = load_manifest(manifest, serving_root=args.work / "single_root")
    # the convert-many run between the two halves of the single runs: a drift of the shared machine's load
    # then falls on both sides alike
    half = len(entries) // 2
    print(f"{half} single conversions ...", file=sys.stderr)
    first = run_singles(entries[:half])
    print(f"convert-many --workers {args.workers} on {manifest} ...", file=sys.stderr)
    many = run_many(manifest, args.work / "many_root", args.workers)
    print(f"  {many['wall_seconds']:.1f} s (exit {many['exit_code']})", file=sys.stderr)
    print(f"{len(entries) - half} single conversions ...", file=sys.stderr)
    second = run_singles(entries[half:])
    singles = {"runs": first["runs"] + second["runs"],
               "wall_seconds": round(first["wall_seconds"] + second["wall_seconds"], 2),
               "load_before": first["load_before"], "load_after": second["load_after"],
               "load_between": [first["load_after"], second["load_before"]]}
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    ratio = many["wall_seconds"] / singles["wall_seconds"]
    results = {"stamp": stamp, "cpus": len(os.sched_getaffinity(0)), "workers": args.workers,
               "entries": len(entries), "names": len({e.name for e in entries}), "convert_many": many,
               "single_runs": singles, "ratio": round(ratio, 3),
               "target_met": ratio < TARGET_RATIO and many["exit_code"] == 0
               and all(r["exit_code"] == 0 for r in singles["runs"]),
               "import_reuse": import_reuse(many["summary"])}
    args.out.mkdir(parents=True, exist_ok=True)
    for name in (f"convert_many-{stamp}.json", "convert_many-latest.json"):     # latest: the docs' tables
        (args.out / name).write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (args.out / f"convert_many-{stamp}.md").write_text(text)
    print(text)
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
