#!/usr/bin/env python3
"""Benchmark (issue 7): conversion time and peak memory, then serving latency at batch 1 and 32 and
throughput at batch 32 of our SavedModel (TF1 session, as TF Serving runs it), ONNX Runtime on the same
exported ONNX, PyTorch eager, and, when available, the classic recipe (TorchScript export at opset 13 +
onnx-tf), all measured side by side in one run. Also measures TF session options (inter-op threads,
aggressive grappler), TF's default server environment (no oneDNN weight caching), the model converted
with `--batch-split off` where `auto` split it, and, separately, XLA auto-jit as an opt-in.

    .venv/bin/python -m benchmarks.run            # full: examples, ResNet-50, BERT-base encoder (run idle!)
    .venv/bin/python -m benchmarks.run --quick    # miniature models, few runs: checks the harness only

(from the project root: `benchmarks` is a package of this checkout, not installed)

Writes benchmarks/results/<timestamp>.json and .md (and latest.json / latest.md).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The model server's environment that serving/docker-compose.yml and scripts/serve.sh set: oneDNN caches
# each kernel's reordered weights (TF reads it once per process, so it is set before TF is imported).
# The TF default (weights re-laid out on every request) is measured too, in a child process.
SERVER_ENV = {"TF_ONEDNN_ASSUME_FROZEN_WEIGHTS": "1"}
os.environ.update({k: os.environ.get(k, v) for k, v in SERVER_ENV.items()})

from benchmarks.models import FULL_MODELS, QUICK_MODELS, BenchModel, build, example_models  # noqa: E402
from benchmarks.measure import machine_probe_ms  # noqa: E402
from benchmarks.report import evaluate_targets, write_reports  # noqa: E402

CLASSIC_ARGS = ["--backend", "onnx-tf", "--exporter", "torchscript", "--opset", "13"]
# Variants that differ only in per-session graph options share this process's TF runtime.
SESSION_VARIANTS = ("grappler_aggressive",)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="miniature models and few runs (harness check)")
    p.add_argument("--models", nargs="*", help="only these model names")
    p.add_argument("--runs", type=int, help="timed runs per measurement (default 30, --quick 5)")
    p.add_argument("--warmup", type=int, help="untimed runs first (default 5, --quick 2)")
    p.add_argument("--batch", type=int, default=32, help="large batch size (default 32)")
    p.add_argument("--no-classic", action="store_true", help="skip the classic onnx-tf column")
    p.add_argument("--no-xla", action="store_true", help="skip the XLA auto-jit opt-in measurement")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--child-variant", help=argparse.SUPPRESS)    # internal: one variant in its own process
    p.add_argument("--child-onnx", help=argparse.SUPPRESS)
    p.add_argument("--child-saved-model", help=argparse.SUPPRESS)
    p.add_argument("--child-inputs", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.runs = args.runs or (5 if args.quick else 30)
    args.warmup = args.warmup or (2 if args.quick else 5)
    return args


def convert(model: BenchModel, checkpoint: Path, work: Path, label: str, extra: list[str]) -> dict:
    """Run one conversion in a child process; wall time, peak memory and the published folder."""
    serving_root = work / f"serving_{label}"
    command = [sys.executable, "-m", "benchmarks.convert_child",
               "--checkpoint", str(checkpoint), "--model-class", model.model_class,
               "--model-kwargs", json.dumps(model.model_kwargs), "--model-path", str(ROOT),
               "--name", model.name, "--serving-root", str(serving_root), "--work-dir", str(work / label),
               "--force", "--quiet", *extra]
    for spec in model.inputs:
        command += ["--input", spec]
    for name, (low, high) in model.input_ranges.items():
        command += ["--input-range", f"{name}:{low}:{high}"]
    for name in model.outputs:
        command += ["--output", name]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    result = {"seconds": round(seconds, 2), "command": " ".join(command[1:])}
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    result.update(json.loads(lines[-1][len("BENCH_RESULT "):]) if lines else {"exit_code": done.returncode})
    versions = sorted((serving_root / model.name).glob("[0-9]*"), key=lambda p: int(p.name))
    if result["exit_code"] != 0 or not versions:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        result["error"] = " | ".join(tail) or f"exit code {result['exit_code']}"
        return result
    result["saved_model"] = str(versions[-1])
    result["onnx"] = str(work / label / f"{model.name}.onnx")
    return result


def batch_split_of(conversion: dict) -> int:
    """The slices our SavedModel runs a batch as (--batch-split auto decides per model), from its report."""
    if "saved_model" not in conversion:
        return 1
    report = Path(conversion["saved_model"]) / "assets.extra" / "conversion_report.json"
    return json.loads(report.read_text()).get("batch_split", 1)


def classic_available() -> tuple[bool, str]:
    try:
        import converter.backends.onnx_tf_backend  # noqa: F401
    except Exception as error:  # noqa: BLE001  (any import failure means: no column)
        return False, f"converter.backends.onnx_tf_backend not importable ({type(error).__name__}: {error})"
    return True, ""


def benchmark_feeds(model: BenchModel, batch: int) -> dict:
    """The inputs every runtime and variant is timed on, made once (not inside the timed calls)."""
    from benchmarks.measure import make_feeds

    return {1: make_feeds(model, 1), batch: make_feeds(model, batch, seed=1)}


def measure_model(model: BenchModel, conversions: dict, args) -> dict:
    from benchmarks.measure import SessionRunner, onnxruntime_runner, time_alternating, torch_runner

    feeds = benchmark_feeds(model, args.batch)
    runners, sessions = {}, {}
    ours = conversions["ours"]
    if "saved_model" in ours:
        sessions["ours"] = SessionRunner(ours["saved_model"])
        runners["ours"] = sessions["ours"].run
        runners["onnxruntime"] = onnxruntime_runner(ours["onnx"])
    runners["pytorch"] = torch_runner(build(model))
    classic = conversions.get("classic", {})
    if "saved_model" in classic:
        sessions["classic"] = SessionRunner(classic["saved_model"])
        runners["classic"] = sessions["classic"].run
    latency = {name: {} for name in runners}
    for b, f in feeds.items():
        timings = time_alternating({name: (lambda run=run, feeds=f: run(feeds)) for name, run in runners.items()},
                                   args.warmup, args.runs)
        for name, timing in timings.items():
            latency[name][str(b)] = timing.as_dict()
    result = {"latency": latency, "parity_max_abs": _parity(runners, feeds[1])}
    if "ours" in sessions:
        result["variants"] = _session_variants(ours["saved_model"], runners["onnxruntime"], feeds, args)
        unsplit = conversions.get("unsplit", {})
        if "saved_model" in unsplit:      # the same model converted with --batch-split off
            runner = SessionRunner(unsplit["saved_model"])
            result["variants"]["batch_split_off"] = time_beside_onnxruntime(runner, runners["onnxruntime"],
                                                                            feeds, args)
            runner.close()
        result["profile_batch_large"] = sessions["ours"].op_profile(feeds[args.batch])
        result["transposes_in_graph"] = {k: s.count_ops("Transpose") for k, s in sessions.items()}
        for name in CHILD_VARIANTS:
            if name != "xla_auto_jit" or not args.no_xla:
                result["variants"][name] = _variant_in_child(name, ours, model, args)
    for session in sessions.values():
        session.close()
    return result


def _parity(runners: dict, feeds: dict) -> dict:
    import numpy as np

    def flat(out) -> list:
        values = out.values() if isinstance(out, dict) else out if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(v) for v in values]

    outputs = {name: flat(run(feeds)) for name, run in runners.items()}
    reference = outputs["pytorch"]
    return {name: max(float(np.max(np.abs(a - b))) for a, b in zip(out, reference))
            for name, out in outputs.items() if name != "pytorch"}


def _session_variants(saved_model: str, onnxruntime_run, feeds: dict, args) -> dict:
    from benchmarks.measure import SessionRunner

    variants = {}
    for variant in SESSION_VARIANTS:
        runner = SessionRunner(saved_model, variant=variant)
        variants[variant] = time_beside_onnxruntime(runner, onnxruntime_run, feeds, args)
        runner.close()
    return variants


def time_beside_onnxruntime(runner, baseline, feeds: dict, args) -> dict:
    """A variant's latency per batch size, each timed taking turns with ONNX Runtime on the same ONNX
    (`baseline`; its timings kept under "onnxruntime"), so that its ratio is measured side by side like
    the main table's."""
    from benchmarks.measure import time_alternating

    result: dict = {"onnxruntime": {}}
    for b, f in feeds.items():
        timings = time_alternating({"variant": lambda f=f: runner.run(f), "onnxruntime": lambda f=f: baseline(f)},
                                   args.warmup, args.runs)
        result[str(b)] = timings["variant"].as_dict()
        result["onnxruntime"][str(b)] = timings["onnxruntime"].as_dict()
    return result


# Variants that need their own process: (environment, session variant). TF reads both variables once,
# and its inter-op thread pool is process-wide, sized by the first session a process opens: a later
# session asking for inter_op_parallelism_threads=1 silently runs on the first one's pool.
CHILD_VARIANTS = {
    "inter_op_1": ({}, "inter_op_1"),
    "default_server_env": ({"TF_ONEDNN_ASSUME_FROZEN_WEIGHTS": "0"}, "default"),
    "xla_auto_jit": ({"TF_XLA_FLAGS": "--tf_xla_cpu_global_jit --tf_xla_auto_jit=1"}, "xla_auto_jit"),
}


def _variant_in_child(name: str, ours: dict, model: BenchModel, args) -> dict:
    env = dict(os.environ, **CHILD_VARIANTS[name][0])
    command = [sys.executable, "-m", "benchmarks.run", "--child-variant", name,
               "--child-saved-model", ours["saved_model"], "--child-onnx", ours["onnx"],
               "--child-inputs", json.dumps([model.inputs, model.input_ranges]),
               "--runs", str(args.runs), "--warmup", str(args.warmup), "--batch", str(args.batch)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("CHILD_RESULT ")]
    if not lines:
        return {"error": " | ".join((done.stderr or "no output").strip().splitlines()[-2:])}
    return json.loads(lines[-1][len("CHILD_RESULT "):])


def child_variant(args) -> None:
    from benchmarks.measure import SessionRunner, onnxruntime_runner

    inputs, ranges = json.loads(args.child_inputs)
    model = BenchModel("child", "", tuple(inputs), (), {k: tuple(v) for k, v in ranges.items()})
    runner = SessionRunner(args.child_saved_model, variant=CHILD_VARIANTS[args.child_variant][1])
    feeds = benchmark_feeds(model, args.batch)
    result = time_beside_onnxruntime(runner, onnxruntime_runner(args.child_onnx), feeds, args)
    print("CHILD_RESULT " + json.dumps(result), flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child_variant:
        child_variant(args)
        return 0
    import torch

    models = example_models(args.quick) + (QUICK_MODELS if args.quick else FULL_MODELS)
    if args.models:
        models = [m for m in models if m.name in args.models]
    use_classic, classic_note = (False, "--no-classic") if args.no_classic else classic_available()
    if not use_classic:
        print(f"note: classic recipe column skipped: {classic_note}")
    results = {"quick": args.quick, "batch": args.batch, "runs": args.runs, "warmup": args.warmup,
               "cpu_count": os.cpu_count(), "classic_note": classic_note,
               "server_env": {k: os.environ[k] for k in SERVER_ENV}, "machine_probe_ms": {}, "models": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for model in models:
            results["machine_probe_ms"][f"before {model.name}"] = round(machine_probe_ms(), 2)
            print(f"== {model.name}: converting ...", flush=True)
            work = Path(scratch) / model.name
            work.mkdir()
            checkpoint = work / "state_dict.pt"
            torch.save(build(model).state_dict(), checkpoint)
            conversions = {"ours": convert(model, checkpoint, work, "ours", [])}
            batch_split = batch_split_of(conversions["ours"])
            if batch_split > 1:
                conversions["unsplit"] = convert(model, checkpoint, work, "unsplit", ["--batch-split", "off"])
            if use_classic:
                conversions["classic"] = convert(model, checkpoint, work, "classic", CLASSIC_ARGS)
            for label, conversion in conversions.items():
                print(f"   {label}: {conversion.get('seconds')} s, peak {conversion.get('peak_rss_mb')} MB"
                      + (f", FAILED: {conversion['error']}" if "error" in conversion else ""), flush=True)
            print(f"== {model.name}: measuring ...", flush=True)
            entry = {"kind": model.kind, "inputs": list(model.inputs),
                     "batch_split": batch_split,
                     "conversion": {k: {x: v for x, v in c.items() if x != "command"} for k, c in conversions.items()}}
            try:
                entry.update(measure_model(model, conversions, args))
            except Exception as error:  # noqa: BLE001 - one model's failure is reported, the others still run
                entry["error"] = f"{type(error).__name__}: {error}"
                print(f"   measuring FAILED: {entry['error']}", flush=True)
            entry["targets"] = evaluate_targets(model.kind, entry, args.batch)
            results["models"][model.name] = entry
    results["machine_probe_ms"]["end"] = round(machine_probe_ms(), 2)
    paths = write_reports(results, Path(args.out))
    print(paths["markdown_text"])
    print(f"wrote {paths['json']} and {paths['markdown']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
