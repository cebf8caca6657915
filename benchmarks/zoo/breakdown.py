"""Where the time goes: per-op-type time of a converted zoo model in our SavedModel (TF's step stats in a TF1
session, as TF Serving runs it) beside ONNX Runtime's profiler on the ONNX the conversion translated, for each
kernel environment a server may run TF in:

- `eigen`: TF's default on a CPU without AVX-512 (this machine): Eigen kernels;
- `onednn`: TF_ENABLE_ONEDNN_OPTS=1, TF's default on AVX-512 CPUs: oneDNN kernels;
- `onednn_frozen`: oneDNN plus TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1, our compose file's environment.

    python -m benchmarks.zoo.breakdown mnasnet0_5 bert --batches 1 8

Each (model, environment) runs in a child process (TF reads these variables once, at import). Besides the op
types, it records how many nodes each runtime executes per request: TF's fixed cost is per executed node.
Writes benchmarks/results/op_breakdown-<stamp>.{json,md} and op_breakdown-latest.{json,md}. Needs an idle machine."""
from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.zoo.latency import TF_KERNELS
from benchmarks.zoo.runner import run_json_child

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = {name: env for name, env in TF_KERNELS.items() if name != "default"}
# Bookkeeping nodes of every TF2 SavedModel (function boundary, variable handles): counted, not op time.
TF_PLUMBING = {"_SOURCE", "_Arg", "_Retval", "NoOp", "Identity", "IdentityN", "VarHandleOp", "Const"}
logger = logging.getLogger("benchmarks.zoo")


def tf_profile(runner, feeds, runs: int) -> dict:
    """Per op type: microseconds and executed nodes per request, from `runs` fully traced runs."""
    return _per_request(*runner.traced_ops(feeds, runs), runs)


def ort_profile(onnx_path: str, feeds, warmup: int, runs: int) -> dict:
    """The same from ONNX Runtime's profiler (its kernel events), warm-up runs left out."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as scratch:
        options.profile_file_prefix = str(Path(scratch) / "ort")
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        for _ in range(warmup + runs):
            session.run(None, {n: feeds[n] for n in names})
        events = json.loads(Path(session.end_profiling()).read_text())
    starts = sorted(e["ts"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")
    first_timed = starts[warmup] if len(starts) > warmup else 0
    micros, nodes = Counter(), Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time") and event["ts"] >= first_timed:
            op = event.get("args", {}).get("op_name", "?")
            micros[op] += event["dur"]
            nodes[op] += 1
    return _per_request(micros, nodes, runs)


def _per_request(micros: Counter, nodes: Counter, runs: int) -> dict:
    ops = {op: {"us": round(micros[op] / runs, 1), "nodes": round(nodes[op] / runs, 1)}
           for op, _ in micros.most_common()}       # every executed op type has an entry, 0 us ones too
    return {"op_us": round(sum(micros.values()) / runs, 1), "nodes": round(sum(nodes.values()) / runs, 1),
            "plumbing_nodes": round(sum(n for op, n in nodes.items() if op in TF_PLUMBING) / runs, 1),
            "ops": ops}


def measure(model_name: str, work: Path, batches, runs: int, warmup: int) -> dict:
    from benchmarks.measure import SessionRunner, make_feeds, onnxruntime_runner, time_alternating
    from benchmarks.zoo.catalogue import BY_NAME
    from benchmarks.zoo.runner import load_result

    model = BY_NAME[model_name]
    record = load_result(model, work)
    ours, ort = SessionRunner(record["version_dir"]), onnxruntime_runner(record["onnx"])
    result = {}
    for batch in batches:
        feeds = make_feeds(model, batch, seed=batch)
        timings = time_alternating({"ours": lambda f=feeds: ours.run(f), "onnxruntime": lambda f=feeds: ort(f)},
                                   warmup, runs)
        result[str(batch)] = {
            "ours_ms": round(timings["ours"].median_ms, 3), "onnxruntime_ms": round(timings["onnxruntime"].median_ms, 3),
            "ratio": round(timings["ours"].median_ms / timings["onnxruntime"].median_ms, 3),
            "tf": tf_profile(ours, feeds, max(3, runs // 3)),
            "onnxruntime": ort_profile(record["onnx"], feeds, warmup, max(3, runs // 3))}
    ours.close()
    return result


def _top_ops(profile: dict, count: int = 3) -> str:
    """The op types with most of the traced op time, as shares of it."""
    total = profile["op_us"] or 1
    top = sorted(profile["ops"].items(), key=lambda kv: -kv[1]["us"])[:count]
    return ", ".join(f"{op} {100 * entry['us'] / total:.0f}% ({entry['nodes']:.0f})" for op, entry in top)


def markdown(results: dict) -> str:
    machine = results["machine"]
    batches = sorted({int(b) for envs in results["models"].values() for e in envs.values() for b in e if b != "error"})
    last = str(batches[-1]) if batches else "?"
    lines = [f"# Where the time goes ({results['date']}, {machine['cpu']}, {machine['cores']} cores, "
             f"{machine.get('vector_isa', '?')})", "",
             "| model | TF kernels | " + " | ".join(f"ours / ORT b{b}" for b in batches) + " | nodes per request TF / "
             f"ORT | TF's op time at b{last}: top op types (nodes) | ORT's at b{last} |",
             "|---|---|" + "---|" * len(batches) + "---|---|---|"]
    for model, environments in results["models"].items():
        for environment, entry in environments.items():
            if "error" in entry:
                lines.append(f"| {model} | {environment} | failed: {entry['error']} |" + " |" * (len(batches) + 2))
                continue
            ratios = " | ".join(f"{entry[str(b)]['ratio']:.2f}x" if str(b) in entry else "-" for b in batches)
            detail = entry[last]
            lines.append(f"| {model} | {environment} | {ratios} | {detail['tf']['nodes']:.0f} / "
                         f"{detail['onnxruntime']['nodes']:.0f} | {_top_ops(detail['tf'])} | "
                         f"{_top_ops(detail['onnxruntime'], 2)} |")
    lines += ["", "Kernels: eigen = TF's default on CPUs without AVX-512; onednn = TF_ENABLE_ONEDNN_OPTS=1 (the default "
              "on AVX-512 CPUs); onednn_frozen = oneDNN with TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1 (our compose file). "
              f"Ratios: median of {results['runs']} runs taking turns with ONNX Runtime; op times from "
              "traced runs (TF's step stats, ONNX Runtime's profiler, which itself adds about 10 us per node)."]
    return "\n".join(lines) + "\n"


def run_child(model: str, environment: str, args) -> dict:
    command = ["-m", "benchmarks.zoo.breakdown", "--child", model, "--work", args.work, "--runs", str(args.runs),
               "--warmup", str(args.warmup), "--batches", *map(str, args.batches)]
    return run_json_child(command, ENVIRONMENTS[environment])


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", help="zoo model names (converted already: python -m benchmarks.zoo)")
    p.add_argument("--environments", nargs="+", choices=list(ENVIRONMENTS), default=list(ENVIRONMENTS))
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--work", default=str(ROOT / "benchmarks" / "work" / "zoo"))
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.models[0], Path(args.work), args.batches, args.runs, args.warmup)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from benchmarks.report import write_result_files
    from benchmarks.zoo.report import machine

    started = time.gmtime()
    models = {}
    for model in args.models:
        models[model] = {}
        for environment in args.environments:
            logger.info("%s in the %s environment ...", model, environment)
            models[model][environment] = entry = run_child(model, environment, args)
            for batch, b in entry.items():
                if batch != "error":
                    logger.info("  b%s: ours %.3f ms, ORT %.3f ms (%.2fx); nodes per request TF %s, ORT %s",
                                batch, b["ours_ms"], b["onnxruntime_ms"], b["ratio"], b["tf"]["nodes"],
                                b["onnxruntime"]["nodes"])
    out = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", started), "machine": machine(),
           "environments": {name: ENVIRONMENTS[name] for name in args.environments},
           "runs": args.runs, "warmup": args.warmup, "models": models}
    stamp = time.strftime("%Y%m%d-%H%M%S", started)
    write_result_files(Path(args.out), [f"op_breakdown-{stamp}", "op_breakdown-latest"], out, markdown(out))
    logger.info("wrote %s", Path(args.out) / f"op_breakdown-{stamp}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
