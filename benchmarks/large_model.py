#!/usr/bin/env python3
"""Benchmark (not a unit test): convert a synthetic model with > 2.2 GB of float32 weights and report
the peak RSS of the converting process tree and the time per stage.

    .venv/bin/python -m benchmarks.large_model                 # 2.4 GB: 9 x Linear(8192, 8192)
    .venv/bin/python -m benchmarks.large_model --gb 0.3        # a quick try at 300 MB

A protobuf cannot exceed 2 GB: the exporter writes ONNX external data, the passes/translator/ONNX
Runtime read it from beside the .onnx, and the weights become tf.Variables (variables/ shards).
Target: peak RSS <= 3x the weights' size. Results: benchmarks/results/large_model.json and .md.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0
POLL_SECONDS = 0.1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gb", type=float, default=2.4, help="float32 weight size to build, in GB (1e9 bytes)")
    p.add_argument("--width", type=int, default=8192, help="width of each square Linear layer")
    p.add_argument("--work", help="working folder (default: a temp folder, deleted afterwards)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="where the results go")
    p.add_argument("--label", default="large_model", help="results file name (without extension)")
    return p.parse_args(argv)


def write_checkpoint(width: int, depth: int, path: Path) -> int:
    """Seeded LinearStack state_dict; returns the weights' bytes. Built here, freed before converting."""
    import torch

    from tests.reliability._models import LinearStack

    torch.manual_seed(0)
    with torch.no_grad():
        model = LinearStack(width=width, depth=depth)
        for layer in model.layers:            # ~unit-variance activations through the stack (not vanishing)
            layer.weight.normal_(0.0, math.sqrt(2.0 / width))
            layer.bias.uniform_(-0.1, 0.1)
    state = model.state_dict()
    torch.save(state, path)
    size = sum(t.numel() * t.element_size() for t in state.values())
    del model, state
    gc.collect()
    return size


class TreeMemory:
    """Polls the RSS of a process and all its descendants; remembers the peak, overall and per stage."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.stage = "start-up"
        self.peak_tree = self.peak_main = 0
        self.peak_by_stage: dict[str, int] = {}
        self.peak_main_by_stage: dict[str, int] = {}
        self.peak_children_by_stage: dict[str, int] = {}    # the translate, verify and load-check children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root] + self.root.children(recursive=True)
                sizes = []
                for process in processes:
                    try:
                        sizes.append(process.memory_info().rss)
                    except psutil.Error:
                        sizes.append(0)
            except psutil.Error:
                break
            total = sum(sizes)
            self.peak_tree = max(self.peak_tree, total)
            self.peak_main = max(self.peak_main, sizes[0])
            self.peak_by_stage[self.stage] = max(self.peak_by_stage.get(self.stage, 0), total)
            self.peak_main_by_stage[self.stage] = max(self.peak_main_by_stage.get(self.stage, 0), sizes[0])
            self.peak_children_by_stage[self.stage] = max(self.peak_children_by_stage.get(self.stage, 0),
                                                          total - sizes[0])
            time.sleep(POLL_SECONDS)


def convert(checkpoint: Path, width: int, depth: int, work: Path) -> dict:
    args = [sys.executable, "-m", "converter", "convert", "--checkpoint", str(checkpoint),
            "--model-class", "tests.reliability._models:LinearStack",
            "--model-kwargs", json.dumps({"width": width, "depth": depth}), "--model-path", str(ROOT),
            "--input", f"x:float32:2x{width}", "--output", "y", "--name", "large",
            "--serving-root", str(work / "serving_models"), "--work-dir", str(work / "work"),
            "--warmup-batch-sizes", "1"]      # no --json: it silences the progress lines the stages are read from
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    start = time.monotonic()
    process = subprocess.Popen(args, cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    stderr_lines: list[str] = []
    with TreeMemory(process.pid) as memory:
        def follow_stages():     # progress lines "[3/8] passes ..." tell which stage the peak belongs to
            for line in process.stderr:
                stderr_lines.append(line)
                if line.startswith("[") and line.rstrip().endswith("..."):
                    memory.stage = line.split("]", 1)[1].split()[0]
        reader = threading.Thread(target=follow_stages, daemon=True)
        reader.start()
        stdout = process.stdout.read()
        process.wait()
        reader.join()
    wall = time.monotonic() - start
    reports = sorted((work / "serving_models" / "large").glob("*/assets.extra/conversion_report.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    return {"exit_code": process.returncode, "wall_seconds": round(wall, 1), "report": report,
            "peak_rss_tree_bytes": memory.peak_tree, "peak_rss_main_bytes": memory.peak_main,
            "peak_rss_tree_by_stage_bytes": memory.peak_by_stage,
            "peak_rss_main_by_stage_bytes": memory.peak_main_by_stage,
            "peak_rss_children_by_stage_bytes": memory.peak_children_by_stage,
            "stdout_tail": stdout[-1500:], "stderr_tail": "".join(stderr_lines[-15:])}


def file_sizes(work: Path) -> dict:
    sizes = {}
    for pattern in ("work/*.onnx", "work/*.onnx.data", "serving_models/large/*/saved_model.pb",
                    "serving_models/large/*/variables/*"):
        for path in work.glob(pattern):
            sizes[str(path.relative_to(work))] = path.stat().st_size
    return sizes


def markdown(result: dict) -> str:
    gb = 1e9
    lines = [f"# Large model benchmark ({result['weights_bytes'] / gb:.2f} GB of float32 weights)", "",
             f"Model: {result['depth']} x Linear({result['width']}, {result['width']}) + ReLU, state_dict checkpoint, "
             f"converted with torch2serving convert and verified (PyTorch + ONNX Runtime references, TF1 session, "
             f"C API load check).", "",
             f"Measured on a 2-core machine, on {result['cpus']} CPU core(s) (affinity {result['affinity']}; "
             f"timings are indicative, the memory figures do not depend on it).", "",
             f"- exit code: {result['exit_code']}, wall time {result['wall_seconds']} s",
             f"- peak RSS of the process tree: {result['peak_rss_tree_bytes'] / gb:.2f} GB = "
             f"{result['ratio_tree']:.2f}x the weights (target <= {TARGET_RATIO}x: "
             f"{'met' if result['target_met'] else 'NOT met'})",
             f"- peak RSS of the converting process alone: {result['peak_rss_main_bytes'] / gb:.2f} GB = "
             f"{result['ratio_main']:.2f}x", "",
             "The translate and savedmodel stages run in a child process of the converting process; verify "
             "and serving start one child each (TF1 session, C API load check).", "",
             "| stage | seconds | peak RSS of the tree (GB) | peak RSS of the converting process (GB) "
             "| peak RSS of its children (GB) |",
             "|---|---|---|---|---|"]
    seconds = result.get("stage_seconds", {})
    for stage in dict.fromkeys(list(seconds) + list(result["peak_rss_tree_by_stage_bytes"])):
        peak = result["peak_rss_tree_by_stage_bytes"].get(stage)
        main = result["peak_rss_main_by_stage_bytes"].get(stage)
        children = result.get("peak_rss_children_by_stage_bytes", {}).get(stage)
        lines.append(f"| {stage} | {seconds.get(stage, '')} | {_gb(peak)} | {_gb(main)} | {_gb(children)} |")
    lines += ["", "Files:", ""] + [f"- {name}: {size / gb:.3f} GB" for name, size in result["files"].items()]
    return "\n".join(lines) + "\n"


def _gb(value) -> str:
    return "" if value is None else f"{value / 1e9:.2f}"


def main(argv=None) -> int:
    args = parse_args(argv)
    layer_bytes = (args.width * args.width + args.width) * 4
    depth = max(1, math.ceil(args.gb * 1e9 / layer_bytes))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="large-model-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        checkpoint = work / "state_dict.pt"
        weights = write_checkpoint(args.width, depth, checkpoint)
        print(f"{depth} x Linear({args.width}): {weights / 1e9:.2f} GB of weights; converting ...", flush=True)
        affinity = sorted(os.sched_getaffinity(0))
        result = {"width": args.width, "depth": depth, "weights_bytes": weights, "cpus": len(affinity),
                  "affinity": ",".join(map(str, affinity)),
                  **convert(checkpoint, args.width, depth, work)}
        result["files"] = file_sizes(work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    report = result.pop("report")
    result["stage_seconds"] = report.get("stage_seconds", {})
    result["parity_passed"] = report.get("parity", {}).get("passed")
    result["ratio_tree"] = result["peak_rss_tree_bytes"] / weights
    result["ratio_main"] = result["peak_rss_main_bytes"] / weights
    result["target_met"] = result["ratio_tree"] <= TARGET_RATIO
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.label}.json").write_text(json.dumps(result, indent=2))
    (out / f"{args.label}.md").write_text(markdown(result))
    print(markdown(result))
    return 0 if result["exit_code"] == 0 and result["parity_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
