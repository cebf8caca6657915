"""`python -m benchmarks.zoo`: the model zoo in two resumable phases.

    python -m benchmarks.zoo --phase convert              # checkpoints, conversions, parity, seconds
    python -m benchmarks.zoo --phase latency              # latency vs ONNX Runtime (and native Keras): idle machine!
    python -m benchmarks.zoo --subset fast --phase all    # the fast subset, both phases
    python -m benchmarks.zoo --models resnet50,bert --rerun

Each model's results are cached as JSON under benchmarks/work/zoo/<model>/ (convert.json, latency.json); a
phase skips models with a cached result unless --rerun. Every run rewrites benchmarks/results/zoo-<stamp>
.{json,md} and zoo-latest.{json,md} from the cached results of the selected models."""
from __future__ import annotations

import argparse
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.zoo import latency, report, runner
from benchmarks.zoo.catalogue import ZooModel, select

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger("benchmarks.zoo")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phase", choices=["convert", "latency", "all", "report"], default="convert")
    p.add_argument("--models", help="comma-separated catalogue names (default: all)")
    p.add_argument("--subset", choices=["fast", "all"], help="fast: the subset the tests run")
    p.add_argument("--jobs", type=int, default=1, help="conversions in parallel (default 1)")
    p.add_argument("--rerun", action="store_true", help="ignore cached per-model results")
    p.add_argument("--runs", type=int, default=30, help="timed runs per latency measurement (default 30)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    p.add_argument("--tf-kernels", choices=list(latency.TF_KERNELS), default="default",
                   help="time the SavedModels with these TF kernels: default (none set: Eigen's without AVX-512), "
                        "eigen, onednn (TF_ENABLE_ONEDNN_OPTS=1) or onednn_frozen (+ TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1, "
                        "our compose file's environment); other than default, latency-<kernels>.json per model and "
                        "zoo_<kernels>-*.json results")
    p.add_argument("--no-keras", action="store_true", help="skip the native Keras column")
    p.add_argument("--work", default=str(runner.WORK), help="per-model cache folder")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="results folder")
    p.add_argument("--no-results", action="store_true", help="do not write results files (tests)")
    p.add_argument("--list", action="store_true", help="print the catalogue and exit")
    return p.parse_args(argv)


def convert_all(models: list[ZooModel], work: Path, jobs: int, rerun: bool, on_result=None) -> None:
    todo = [m for m in models if rerun or runner.load_result(m, work) is None]
    logger.info("convert phase: %d of %d models to run (%d cached)", len(todo), len(models), len(models) - len(todo))

    def one(model: ZooModel) -> dict:
        logger.info("converting %s (%s, %s) ...", model.name, model.library, model.format)
        record = runner.run_convert_phase(model, work)
        status = "ok" if record.get("converted") else f"FAILED exit {record.get('exit_code')}: {record.get('error')}"
        logger.info("%s: %s (%.0f s)", model.name, status, record.get("seconds") or 0)
        if on_result:
            on_result()
        return record

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, todo))


def records_for(models: list[ZooModel], work: Path, kernels: str = "default") -> list[dict]:
    records = []
    for model in models:
        record = runner.load_result(model, work)
        if record is None:
            continue
        timing = latency.load_latency(model, work, kernels)
        if timing is not None:
            record["latency"] = timing.get("latency")
            record["latency_error"] = timing.get("error")
            record["latency_conditions"] = timing.get("conditions")
        records.append(record)
    return records


def write_failures(models: list[ZooModel], work: Path) -> Path:
    """A live list of failures (work/failures.md), rewritten after each model."""
    lines = ["| model | format | exit | stage | error |", "|---|---|---|---|---|"]
    for r in records_for(models, work):
        if not r.get("converted"):
            lines.append(f"| {r['model']} | {r['format']} | {r.get('exit_code')} | {r.get('stage')} | "
                         f"{str(r.get('error', '')).replace('|', '/')} |")
    path = work / "failures.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    try:
        models = select(args.models, args.subset)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.list:
        for m in models:
            print(f"{m.name:32} {m.library:13} {m.format:11} {m.family}")
        return 0
    work = Path(args.work)
    phases = ["convert", "latency"] if args.phase == "all" else [] if args.phase == "report" else [args.phase]
    if "convert" in phases:
        convert_all(models, work, args.jobs, args.rerun, on_result=lambda: write_failures(models, work))
        write_failures(models, work)
    if "latency" in phases:
        latency.latency_all(models, work, args)
    records = records_for(models, work, args.tf_kernels)
    if not args.no_results and records:
        measured = [r for r in records if r.get("latency")]
        extra = {"latency_conditions": measured[0].get("latency_conditions")} if measured else {}
        name = "zoo" if args.tf_kernels == "default" else f"zoo_{args.tf_kernels}"
        paths = report.write_results(report.build_result(records, phases or ["report"], extra), Path(args.out), name)
        logger.info("wrote %s and %s (and %s-latest.*)", *paths, name)
    summary = report.summarize(records)
    logger.info("converted with parity: %s", summary["converted_with_parity_text"])
    return 0
