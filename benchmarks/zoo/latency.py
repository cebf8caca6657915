"""Latency phase: our published SavedModel in a TF1 session (as TF Serving runs it) beside ONNX Runtime on the
ONNX the conversion translated (kept with --work-dir), and, for models `keras.applications` also has, the
native Keras model exported to a SavedModel and loaded the same way; batch 1 and 8, the runtimes taking turns
block by block (benchmarks/measure.py). One child process per model (TF sizes its thread pools once per
process and reads its kernel variables once); results cached as <work>/<model>/latency.json, or
latency-<kernels>.json with `--tf-kernels` (oneDNN's kernels, which TF takes by default on AVX-512 CPUs).

Needs an idle machine: the ratios are side by side, but a contended host still skews them."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.zoo.catalogue import BY_NAME, ZooModel

ROOT = Path(__file__).resolve().parents[2]
BATCHES = (1, 8)
# --tf-kernels: the variables TF reads at import. `default`: none set (Eigen's kernels on a CPU without AVX-512,
# oneDNN's with it); `onednn_frozen` is our compose file's environment on a oneDNN CPU.
TF_KERNELS = {
    "default": {},
    "eigen": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "onednn": {"TF_ENABLE_ONEDNN_OPTS": "1"},
    "onednn_frozen": {"TF_ENABLE_ONEDNN_OPTS": "1", "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS": "1"},
}
TF_VARIABLES = tuple(dict.fromkeys(name for env in TF_KERNELS.values() for name in env))
TIMEOUT_S = 1800
logger = logging.getLogger("benchmarks.zoo")


def latency_path(model: ZooModel, work: Path, kernels: str = "default") -> Path:
    return work / model.name / ("latency.json" if kernels == "default" else f"latency-{kernels}.json")


def load_latency(model: ZooModel, work: Path, kernels: str = "default") -> dict | None:
    path = latency_path(model, work, kernels)
    return json.loads(path.read_text()) if path.is_file() else None


def latency_all(models: list[ZooModel], work: Path, args) -> None:
    from benchmarks.zoo.runner import _child_env, load_result

    for model in models:
        record = load_result(model, work)
        if not record or not record.get("converted"):
            continue
        if load_latency(model, work, args.tf_kernels) is not None and not args.rerun:
            continue
        logger.info("latency of %s ...", model.name)
        command = [sys.executable, "-m", "benchmarks.zoo.latency", model.name, "--work", str(work),
                   "--runs", str(args.runs), "--warmup", str(args.warmup), "--tf-kernels", args.tf_kernels]
        command += ["--no-keras"] if args.no_keras else []
        try:
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_child_env(),
                                  timeout=TIMEOUT_S)
            failed = done.returncode != 0 and load_latency(model, work, args.tf_kernels) is None
            error = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1] if failed else None
        except subprocess.TimeoutExpired:
            error = f"latency measurement timed out after {TIMEOUT_S} s"
        if error:
            latency_path(model, work, args.tf_kernels).write_text(
                json.dumps({"model": model.name, "latency": None, "error": error}))
            logger.info("%s: latency failed: %s", model.name, error)
        else:
            entry = load_latency(model, work, args.tf_kernels)["latency"]
            logger.info("%s: ours/ORT b1 %s, b8 %s", model.name, entry["1"]["ratio"], entry["8"]["ratio"])


def keras_saved_model(model: ZooModel, folder: Path) -> Path:
    """keras.applications.<name>(weights=None) exported natively as a SavedModel (cached)."""
    target = folder / "keras_saved_model"
    if (target / "saved_model.pb").is_file():
        return target
    import keras

    size = int(model.inputs[0].split(":")[2].split("x")[-1])
    net = getattr(keras.applications, model.keras)(weights=None, input_shape=(size, size, 3))
    net.export(str(target), format="tf_saved_model", verbose=False)
    return target


def measure(model: ZooModel, record: dict, work: Path, runs: int, warmup: int, keras: bool,
            kernels: str = "default") -> dict:
    import numpy as np

    from benchmarks.measure import (SessionRunner, machine_probe_ms, make_feeds, onnxruntime_runner,
                                    time_alternating)

    probe_before, load_before = machine_probe_ms(), os.getloadavg()[0]
    ours = SessionRunner(record["version_dir"])
    ort = onnxruntime_runner(record["onnx"])
    native = SessionRunner(str(keras_saved_model(model, work / model.name))) if keras and model.keras else None
    result = {}
    for batch in BATCHES:
        feeds = make_feeds(model, batch, seed=batch)
        check = float(max(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
                          for a, b in zip(ours.run(feeds), ort(feeds))))
        calls = {"ours": lambda f=feeds: ours.run(f), "onnxruntime": lambda f=feeds: ort(f)}
        if native is not None:
            nhwc = {next(iter(native.inputs)): np.ascontiguousarray(np.moveaxis(next(iter(feeds.values())), 1, -1))}
            calls["keras"] = lambda f=nhwc: native.session.run(native.outputs, {native.inputs[k]: v for k, v in f.items()})
        timings = time_alternating(calls, warmup, runs)
        entry = {"ours_ms": round(timings["ours"].median_ms, 3), "onnxruntime_ms": round(timings["onnxruntime"].median_ms, 3),
                 "ratio": round(timings["ours"].median_ms / timings["onnxruntime"].median_ms, 3),
                 "ours_vs_onnxruntime_max_abs": check, "timings": {k: v.as_dict() for k, v in timings.items()}}
        if "keras" in timings:
            entry.update(keras_ms=round(timings["keras"].median_ms, 3),
                         keras_ratio=round(timings["ours"].median_ms / timings["keras"].median_ms, 3),
                         keras_vs_onnxruntime=round(timings["keras"].median_ms / timings["onnxruntime"].median_ms, 3))
        result[str(batch)] = entry
    conditions = {"tf_kernels": kernels,
                  "tf_env": {name: os.environ.get(name, "unset (TF default)") for name in TF_VARIABLES},
                  "threads": "each runtime's default (all usable cores)", "runs": runs, "warmup": warmup,
                  "rounds": 3, "probe_ms": [round(probe_before, 2), round(machine_probe_ms(), 2)],
                  "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    ours.close()
    if native is not None:
        native.close()
    return {"model": model.name, "latency": result, "conditions": conditions,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(description="latency of one converted zoo model (the zoo's child process)")
    p.add_argument("model")
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--tf-kernels", choices=list(TF_KERNELS), default="default")
    p.add_argument("--no-keras", action="store_true")
    args = p.parse_args(argv)
    os.environ.update(TF_KERNELS[args.tf_kernels])     # read once per process by TF: before it is imported
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from benchmarks.zoo.runner import load_result

    model, work = BY_NAME[args.model], Path(args.work)
    result = measure(model, load_result(model, work), work, args.runs, args.warmup, not args.no_keras,
                     args.tf_kernels)
    latency_path(model, work, args.tf_kernels).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
