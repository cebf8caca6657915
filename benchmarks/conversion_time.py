"""Benchmark (issue 20 item 1, never a timed test): where a small and a large conversion spend their time.

Converts TinyResNet (examples/, state_dict) and a torchvision ResNet-50 TorchScript trace (benchmarks/zoo)
through the real command line (`python -m converter convert ... --json`, a child process per conversion),
`--runs` times each, and prints, per model and per code version: the wall time, the conversion report's
stage_seconds (and, where the version reports them, its process_seconds), the child processes the
conversion started and how long each lived, and what starting a process costs (the parent up to its first
stage, a TensorFlow child, a C API child), measured on their own.

    .venv/bin/python -m benchmarks.conversion_time                          # this checkout, 3 runs each
    .venv/bin/python -m benchmarks.conversion_time --revisions c771640 .    # before (a commit) and after (.)
    .venv/bin/python -m benchmarks.conversion_time --label after --compare benchmarks/results/OLD.json

With several code versions, runs alternate between them (round by round), so that a host slowing down
affects all alike. The load average (`uptime`) is recorded beside every conversion. Results:
benchmarks/results/conversion_time-<UTC stamp>.json and .md, and conversion_time-latest.json (the docs' tables,
`python -m benchmarks.tables`). Targets (this 2-core machine): TinyResNet
end to end <= 15 s, ResNet-50 from a trace <= 30 s.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work" / "conversion_time"
RESULTS = ROOT / "benchmarks" / "results"
STAGES = ["load", "export", "passes", "reference", "translate", "savedmodel", "verify", "serving", "publish"]
TARGETS = {"tiny_resnet": 15.0, "resnet50_trace": 30.0}
WORKING_TREE = "."

# What starting a process costs, measured on its own in each code version (`python -c CODE` there).
STARTUPS = {
    "parent (CLI up to its first stage)": "from converter.cli.main import build_parser; build_parser(); "
                                          "from converter.cli.common import setup_logging; setup_logging(); "
                                          "import converter.pipeline",
    "TensorFlow child (python + TF import)": "from converter.tf_import import import_tensorflow_quietly; "
                                             "import_tensorflow_quietly()",
    "C API child (python + libtensorflow_cc)": "from converter.serving import capi; capi.registered_op_names()",
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="conversions per model and code version (default 3)")
    p.add_argument("--models", default="tiny_resnet,resnet50_trace", help="comma-separated: tiny_resnet, resnet50_trace")
    p.add_argument("--revisions", nargs="+", default=[WORKING_TREE],
                   help="git revisions to compare ('.' is this checkout's working tree; default: '.')")
    p.add_argument("--label", help="name of the working tree's column (default: its commit and 'working tree')")
    p.add_argument("--compare", help="an earlier results .json: its columns are printed beside this run's")
    p.add_argument("--startup-runs", type=int, default=3, help="measurements of each process start (default 3)")
    p.add_argument("--out", default=str(RESULTS))
    return p.parse_args(argv)


# ---- checkpoints (built once, in child processes, into benchmarks/work/conversion_time) ----

def build_checkpoints(models: list[str]) -> dict[str, dict]:
    """{model: {"checkpoint": path, "args": [...]}}: the CLI arguments of each model."""
    WORK.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    cases = {}
    if "tiny_resnet" in models:
        folder = WORK / "TinyResNet"
        if not (folder / "state_dict.pt").is_file():
            subprocess.run([sys.executable, "-m", "examples.make_checkpoints", "--model", "TinyResNet", "--out",
                            str(folder)], cwd=ROOT, env=env, check=True, capture_output=True)
        cases["tiny_resnet"] = {"checkpoint": str(folder / "state_dict.pt"),
                                "args": ["--model-class", "examples.models:TinyResNet", "--input",
                                         "input_img:float32:1x3x32x32", "--output", "confidences",
                                         "--signature", "predict_images"]}     # as scripts/demo.sh converts it
    if "resnet50_trace" in models:
        folder = WORK / "resnet50"
        if not (folder / "resnet50.pt").is_file():
            subprocess.run([sys.executable, "-m", "benchmarks.zoo.checkpoints", "resnet50", str(folder)], cwd=ROOT,
                           env=env, check=True, capture_output=True)
        from benchmarks.zoo.catalogue import BY_NAME

        cases["resnet50_trace"] = {"checkpoint": str(folder / "resnet50.pt"), "args": BY_NAME["resnet50"].cli_args()}
    return cases


# ---- code versions ----

def checkout(revision: str, into: Path) -> tuple[Path, str]:
    """(folder holding that version of the code, its short commit); '.' is this working tree."""
    if revision == WORKING_TREE:
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = " + uncommitted changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
        return ROOT, commit + dirty
    commit = _git("rev-parse", "--short", revision)
    folder = into / f"rev-{commit}"
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder, commit


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _env(code_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TF_ENABLE_ONEDNN_OPTS")}
    return {**env, "PYTHONPATH": str(code_root), "TF_CPP_MIN_LOG_LEVEL": "2"}


# ---- one conversion ----

class ChildWatch:
    """Polls the conversion's process tree: every descendant's lifetime (seconds from first to last seen)."""

    def __init__(self, pid: int):
        import psutil

        self._root = psutil.Process(pid)
        self.seen: dict[int, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        import psutil

        while not self._stop.is_set():
            now = time.monotonic()
            try:
                for child in self._root.children(recursive=True):
                    self.seen.setdefault(child.pid, [now, now])[1] = now
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return sorted((round(last - first, 1) for first, last in self.seen.values()), reverse=True)


def convert_once(code_root: Path, case: dict, name: str, serving_root: Path) -> dict:
    command = [sys.executable, "-m", "converter", "convert", "--checkpoint", case["checkpoint"], "--name", name,
               "--serving-root", str(serving_root), "--json", *case["args"]]
    load = os.getloadavg()
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=code_root, env=_env(code_root), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    watch = ChildWatch(process.pid)
    out, err = process.communicate(timeout=1800)
    wall = time.monotonic() - start
    children = watch.stop()
    record = {"wall": round(wall, 2), "exit_code": process.returncode, "load_before": [round(x, 2) for x in load],
              "load_after": [round(x, 2) for x in os.getloadavg()], "children_seconds": children}
    try:
        summary = json.loads(out)
        report = summary.get("report", {})
        record.update(stage_seconds=report.get("stage_seconds", {}), process_seconds=report.get("process_seconds"))
    except json.JSONDecodeError:
        record["error"] = (err.strip().splitlines() or ["no output"])[-1][:300]
    return record


def startup_once(code_root: Path, code: str) -> float:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=code_root, env=_env(code_root),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"start-up probe failed: {done.stderr.strip()[-300:]}")
    return round(time.monotonic() - start, 2)


# ---- summary ----

def median_spread(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {}
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2), "n": len(values)}


def summarize(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["exit_code"] == 0]
    keys = list(dict.fromkeys(k for r in ok for k in (r.get("process_seconds") or {})))
    return {"wall": median_spread([r["wall"] for r in ok]),
            "stages": {s: median_spread([r["stage_seconds"].get(s) for r in ok]) for s in STAGES},
            "process_seconds": {k: median_spread([(r.get("process_seconds") or {}).get(k) for r in ok]) for k in keys},
            "children": median_spread([len(r["children_seconds"]) for r in ok]),
            "children_seconds": [r["children_seconds"] for r in ok],
            "load": median_spread([r["load_before"][0] for r in runs]),
            "failed": [r.get("error", f"exit {r['exit_code']}") for r in runs if r["exit_code"] != 0]}


def _cell(stat: dict) -> str:
    if not stat:
        return "-"
    if stat["n"] == 1 or stat["min"] == stat["max"]:
        return f"{stat['median']:.1f}"
    return f"{stat['median']:.1f} [{stat['min']:.1f}-{stat['max']:.1f}]"


def markdown(result: dict) -> str:
    columns = result["columns"]
    lines = ["# Conversion time (issue 20 item 1)", "",
             f"{result['machine']}; {result['runs']} conversions per model and column (alternating between columns); "
             "cells: median [min-max] in seconds; load: the 1-minute load average before each conversion.", ""]
    for model in result["models"]:
        target = TARGETS.get(model)
        lines += [f"## {model}" + (f" (target <= {target:g} s end to end)" if target else ""), "",
                  "| | " + " | ".join(c["label"] for c in columns) + " |",
                  "|---|" + "---|" * len(columns)]
        summaries = [c["models"].get(model, {}) for c in columns]

        def row(title, pick, lines=lines, summaries=summaries):     # this model's summaries, now
            lines.append(f"| {title} | " + " | ".join(pick(s) if s else "-" for s in summaries) + " |")

        row("**wall**", lambda s: "**" + _cell(s["wall"]) + "**")
        for stage in STAGES:
            row(stage, lambda s, stage=stage: _cell(s["stages"].get(stage, {})))
        stage_sum = lambda s: (f"{sum(v['median'] for v in s['stages'].values() if v):.1f}"   # noqa: E731
                               if any(s["stages"].values()) else "-")
        row("sum of stages", stage_sum)
        keys = list(dict.fromkeys(k for s in summaries if s for k in s.get("process_seconds", {})))
        for key in keys:
            row(f"process_seconds: {key}", lambda s, key=key: _cell(s.get("process_seconds", {}).get(key, {})))
        row("child processes", lambda s: _cell(s["children"]))
        row("child lifetimes (s, per run)", lambda s: "; ".join(", ".join(map(str, c)) for c in s["children_seconds"]))
        row("load average", lambda s: _cell(s["load"]))
        row("failed runs", lambda s: str(len(s["failed"])) + (f" ({s['failed'][0]})" if s["failed"] else ""))
        if target:
            row("target met (median)", lambda s, target=target: (
                "yes" if s["wall"] and s["wall"]["median"] <= target else "no") if s["wall"] else "-")
        lines.append("")
    lines += ["## Process start-up costs (each measured on its own)", "",
              "| process | " + " | ".join(c["label"] for c in columns) + " |", "|---|" + "---|" * len(columns)]
    for name in STARTUPS:
        lines.append(f"| {name} | " + " | ".join(_cell(c.get("startups", {}).get(name, {})) for c in columns) + " |")
    lines.append("")
    return "\n".join(lines)


def machine() -> str:
    import platform

    return f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


# ---- main ----

def main(argv=None) -> int:
    args = parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = set(models) - set(TARGETS)
    if unknown:
        raise SystemExit(f"unknown models {sorted(unknown)}; choose from {sorted(TARGETS)}")
    cases = build_checkpoints(models)
    with tempfile.TemporaryDirectory(prefix="conversion-time-") as scratch:
        versions = []
        for revision in args.revisions:
            folder, commit = checkout(revision, Path(scratch))
            label = (args.label or f"{commit} (working tree)") if revision == WORKING_TREE else commit
            versions.append({"label": label, "revision": revision, "commit": commit, "root": folder,
                             "runs": {m: [] for m in models}, "startups": {n: [] for n in STARTUPS}})
        for round_index in range(args.runs):
            for model in models:
                for version in versions:
                    serving_root = Path(scratch) / "serving_models"
                    record = convert_once(version["root"], cases[model], model, serving_root)
                    shutil.rmtree(serving_root, ignore_errors=True)
                    version["runs"][model].append(record)
                    print(f"[{round_index + 1}/{args.runs}] {model:15s} {version['label']:28s} wall "
                          f"{record['wall']:6.1f} s  load {record['load_before'][0]:.2f}  "
                          f"{record.get('error') or record.get('stage_seconds')}", flush=True)
        for _ in range(args.startup_runs):
            for version in versions:
                for name, code in STARTUPS.items():
                    try:
                        version["startups"][name].append(startup_once(version["root"], code))
                    except RuntimeError as error:
                        print(f"{version['label']}: {name}: {error}", flush=True)
    columns = [{"label": v["label"], "revision": v["revision"], "commit": v["commit"],
                "models": {m: summarize(v["runs"][m]) for m in models},
                "startups": {n: median_spread(x) for n, x in v["startups"].items()},
                "raw": v["runs"], "raw_startups": v["startups"]} for v in versions]
    if args.compare:
        earlier = json.loads(Path(args.compare).read_text())
        columns = [{**c, "label": f"{c['label']} ({Path(args.compare).stem})"} for c in earlier["columns"]] + columns
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    result = {"stamp": stamp, "machine": machine(), "runs": args.runs, "models": models, "columns": columns}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in (f"conversion_time-{stamp}.json", "conversion_time-latest.json"):     # latest: the docs' tables
        (out / name).write_text(json.dumps(result, indent=1))
    text = markdown(result)
    (out / f"conversion_time-{stamp}.md").write_text(text)
    print()
    print(text)
    print(f"written: {out / f'conversion_time-{stamp}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
