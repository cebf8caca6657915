"""Two conversions of the same zoo models side by side: the SavedModels of an earlier zoo work folder and of a
later one, timed in one process taking turns with each other and with ONNX Runtime, so a change in the
translation is measured without the host's drift between two runs (`python -m benchmarks.zoo.compare
--before OLD_WORK --after NEW_WORK MODEL...`, idle machine). Inputs are the same for all three; both
SavedModels' outputs are checked against ONNX Runtime's. Writes benchmarks/results/zoo_compare-<stamp>.{json,md}
and zoo_compare-latest.{json,md}.

`--after-session caller_thread` with the same folder twice compares TF's session options instead of two
conversions: the same SavedModel with TF's default session against one that runs every op in the calling thread
(inter_op_parallelism_threads=-1)."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from benchmarks.zoo.latency import TF_KERNELS

ROOT = Path(__file__).resolve().parents[2]
BATCHES = ("1", "8")


def measure(model_name: str, before: Path, after: Path, runs: int, warmup: int, after_session: str = "default") -> dict:
    import numpy as np

    from benchmarks.measure import SessionRunner, make_feeds, onnxruntime_runner, time_alternating
    from benchmarks.zoo.catalogue import BY_NAME
    from benchmarks.zoo.runner import load_result

    model = BY_NAME[model_name]
    old_record, new_record = load_result(model, before), load_result(model, after)
    old, new = SessionRunner(old_record["version_dir"]), SessionRunner(new_record["version_dir"], variant=after_session)
    ort = onnxruntime_runner(new_record["onnx"])
    result = {}
    for batch in BATCHES:
        feeds = make_feeds(model, int(batch), seed=int(batch))
        reference = ort(feeds)
        check = {name: float(max(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
                                 for a, b in zip(runner.run(feeds), reference)))
                 for name, runner in (("before", old), ("after", new))}
        timings = time_alternating({"before": lambda f=feeds: old.run(f), "after": lambda f=feeds: new.run(f),
                                    "onnxruntime": lambda f=feeds: ort(f)}, warmup, runs)
        ms = {name: round(t.median_ms, 3) for name, t in timings.items()}
        result[batch] = {"ms": ms, "after_vs_before": round(ms["after"] / ms["before"], 3),
                         "before_vs_onnxruntime": round(ms["before"] / ms["onnxruntime"], 3),
                         "after_vs_onnxruntime": round(ms["after"] / ms["onnxruntime"], 3),
                         "max_abs_vs_onnxruntime": check}
    old.close()
    new.close()
    return result


def _kernel_words(kernels: str) -> str:
    if kernels == "default":
        return "TF's default kernels"
    return "TF with " + ", ".join(f"{k}={v}" for k, v in TF_KERNELS[kernels].items())


def _session_words(session: str) -> str:
    return "" if session == "default" else f"; the after column in a TF session of variant `{session}` (benchmarks/measure.py)"


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [f"# Before and after, side by side ({results['date']}, {machine['cpu']}, {machine['cores']} cores, "
             f"{machine.get('vector_isa', '?')})", "",
             "| model | b1: before / ORT | after / ORT | after / before | b8: before / ORT | after / ORT | after / before |",
             "|---|---|---|---|---|---|---|"]
    for model, entry in results["models"].items():
        if "error" in entry:
            lines.append(f"| {model} | failed: {entry['error']} | | | | | |")
            continue
        cells = [f"{entry[b][k]:.2f}x" for b in BATCHES
                 for k in ("before_vs_onnxruntime", "after_vs_onnxruntime", "after_vs_before")]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += ["", f"Before: `{results['before']}` ({results['before_revision']}); after: `{results['after']}` "
              f"({results['after_revision']}). Median of {results['runs']} runs per SavedModel and ONNX Runtime, "
              f"taking turns in one process; {_kernel_words(results.get('tf_kernels', 'default'))}"
              + _session_words(results.get("after_session", "default")) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+")
    p.add_argument("--before", required=True, help="zoo work folder of the earlier conversions")
    p.add_argument("--after", required=True, help="zoo work folder of the later conversions")
    p.add_argument("--before-revision", default="?", help="the revision that converted --before (for the record)")
    p.add_argument("--after-revision", default="?")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--tf-kernels", choices=list(TF_KERNELS), default="default",
                   help="TF's kernels for both SavedModels (as `python -m benchmarks.zoo --tf-kernels`)")
    p.add_argument("--after-session", choices=["default", "caller_thread"], default="default",
                   help="TF session options for the --after SavedModel (see benchmarks/measure.py session_config)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.child:
        print(json.dumps(measure(args.models[0], Path(args.before), Path(args.after), args.runs, args.warmup,
                                 args.after_session)))
        return 0
    from benchmarks.report import write_result_files
    from benchmarks.zoo.report import machine
    from benchmarks.zoo.runner import run_json_child

    started, models = time.gmtime(), {}
    for model in args.models:          # one process per model, as the zoo's latency phase does
        models[model] = run_json_child(["-m", "benchmarks.zoo.compare", "--child", model, "--before", args.before,
                                        "--after", args.after, "--runs", str(args.runs), "--warmup", str(args.warmup),
                                        "--after-session", args.after_session],
                                       env=TF_KERNELS[args.tf_kernels])
        print(model, json.dumps(models[model])[:200], flush=True)
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", started), "machine": machine(), "runs": args.runs,
               "before": args.before, "after": args.after, "before_revision": args.before_revision,
               "after_revision": args.after_revision, "tf_kernels": args.tf_kernels,
               "after_session": args.after_session, "models": models}
    write_result_files(Path(args.out), [f"zoo_compare-{time.strftime('%Y%m%d-%H%M%S', started)}",
                                        "zoo_compare-latest"], results, markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
