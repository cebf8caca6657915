#!/usr/bin/env python3
"""Differential testing of the two backends (native, onnx-tf) against ONNX Runtime and each other.

    # example models (examples/models.py) and/or ONNX files: parity, conversion time, session latency
    python -m scripts.compare_backends models [--examples TinyResNet,TwoInTwoOut] [--onnx a.onnx ...] \
        [--exporter dynamo|torchscript] [--opset 18] [--batches 1,4] [--latency-runs 50] [--markdown out.md]

    # the official ONNX backend test cases through both backends: which cases each passes
    python -m scripts.compare_backends conformance [--kinds node,simple] [--include REGEX] \
        [--timeout 60] [--json results.json] [--markdown out.md]

From the project root (`examples` is a package of this checkout). Both print Markdown tables on stdout.
onnx-tf must be installed: pip install --no-deps -r requirements-onnx-tf.txt
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from converter.cli.common import run_main, setup_logging


def compare_models(args) -> int:
    import onnx
    import torch

    from converter.backends.differential import compare_backends, export_torch_model
    from converter.config import InputSpec
    from converter.verify import make_feeds, specs_from_onnx
    from examples.models import EXAMPLES, build

    batches = [int(b) for b in args.batches.split(",")]
    comparisons = []
    with tempfile.TemporaryDirectory(prefix="compare-backends-") as scratch:
        work = Path(scratch)
        jobs = [(name, None) for name in filter(None, args.examples.split(","))] + [(Path(p).stem, p) for p in args.onnx]
        for name, onnx_path in jobs:
            given: tuple = ()
            if onnx_path:
                model = onnx.load(onnx_path)
            else:
                spec = EXAMPLES[name]
                inputs = [InputSpec.parse(text) for text in spec.inputs]
                given = tuple(dataclasses.replace(s, low=spec.input_ranges.get(s.name, (0, 2))[0],
                                                  high=spec.input_ranges.get(s.name, (0, 2))[1]) for s in inputs)
                example_args = tuple(torch.zeros(s.shape, dtype=getattr(torch, s.dtype)) for s in inputs)
                model = export_torch_model(build(name), example_args, [s.name for s in inputs], list(spec.outputs),
                                           work / f"{name}.onnx", args.exporter, args.opset)
            specs = specs_from_onnx(model, given)
            feeds = {b: make_feeds(specs, b, seed=0) for b in batches}
            comparisons.append(compare_backends(model, feeds, work / name, args.atol, args.rtol, args.latency_runs,
                                                model_name=name, pipeline_passes=not args.no_passes))
    text = models_markdown(comparisons, max(batches), args)
    _emit(text, args.markdown)
    return 0 if all(c.passed(p) is not False for c in comparisons for p in _pairs()) else 1


def _pairs() -> list[str]:
    return ["native vs onnxruntime", "onnx-tf vs onnxruntime", "onnx-tf vs native"]


def models_markdown(comparisons, latency_batch: int, args) -> str:
    passes = "each backend's model as exported" if args.no_passes else "after the pipeline's ONNX passes for each backend"
    lines = [f"Exporter `{args.exporter}` (opset {args.opset}), {passes}; batches {args.batches}; tolerance atol {args.atol}, "
             f"rtol {args.rtol}; latency = median of {args.latency_runs} TF1-session `run` calls at batch "
             f"{latency_batch} (the path TF Serving takes), after 3 warm-up calls.", "",
             "| model | backend | converts | conversion s | latency ms | max abs vs ORT | max rel vs ORT | parity |",
             "|---|---|---|---|---|---|---|---|"]
    for comparison in comparisons:
        for backend, run in comparison.runs.items():
            worst = comparison.worst(f"{backend} vs onnxruntime")
            passed = comparison.passed(f"{backend} vs onnxruntime")
            lines.append(f"| {comparison.model_name} | {backend} | {'yes' if not run.error else 'no: ' + _reason(run.error)} "
                         f"| {run.convert_seconds:.2f} | {_number(run.latency_ms)} "
                         f"| {_number(worst[0] if worst else None, 'e')} | {_number(worst[1] if worst else None, 'e')} "
                         f"| {'-' if passed is None else 'pass' if passed else 'FAIL'} |")
    lines += ["", "| model | max abs onnx-tf vs native | max rel | agree |", "|---|---|---|---|"]
    for comparison in comparisons:
        worst, passed = comparison.worst("onnx-tf vs native"), comparison.passed("onnx-tf vs native")
        lines.append(f"| {comparison.model_name} | {_number(worst[0] if worst else None, 'e')} "
                     f"| {_number(worst[1] if worst else None, 'e')} | {'-' if passed is None else 'yes' if passed else 'NO'} |")
    return "\n".join(lines) + "\n"


def compare_conformance(args) -> int:
    from converter.backends.conformance import BACKENDS, Worker, list_cases

    kinds = tuple(args.kinds.split(","))
    names = sorted(list_cases(kinds))
    if args.include:
        names = [n for n in names if re.search(args.include, n)]
    if args.limit:
        names = names[:args.limit]
    results = {}
    log = open(args.json + "l", "w", buffering=1) if args.json else None      # one line per result, as it comes

    def run_backend(backend: str) -> None:
        worker = Worker(backend, kinds)
        try:
            for i, name in enumerate(names, 1):
                results[(name, backend)] = result = worker.ask(name, args.timeout)
                if log:
                    log.write(json.dumps(dataclasses.asdict(result)) + "\n")
                if i % 100 == 0:
                    print(f"{backend}: {i}/{len(names)} cases", file=sys.stderr)
        finally:
            worker.stop()

    # --parallel: one worker process per backend at the same time (2 cores); default one after the other
    with ThreadPoolExecutor(max_workers=len(BACKENDS) if args.parallel else 1) as pool:
        list(pool.map(run_backend, BACKENDS))
    if log:
        log.close()
    if args.json:
        Path(args.json).write_text(json.dumps([dataclasses.asdict(r) for r in results.values()], indent=1))
    _emit(conformance_markdown(names, results, kinds, args.timeout), args.markdown)
    return 0


def conformance_markdown(names, results, kinds, timeout) -> str:
    from converter.backends.conformance import BACKENDS

    statuses = ("pass", "fail", "unsupported", "error", "timeout")
    lines = [f"Official ONNX backend test cases ({', '.join(kinds)}: {len(names)} cases, per-case timeout {timeout:.0f} s; "
             "onnx-tf gets each model after the same opset down-conversion as `--backend onnx-tf`).", "",
             "| backend | " + " | ".join(statuses) + " | pass rate |", "|---|" + "---|" * (len(statuses) + 1)]
    for backend in BACKENDS:
        counts = Counter(results[(n, backend)].status for n in names)
        lines.append(f"| {backend} | " + " | ".join(str(counts[s]) for s in statuses)
                     + f" | {100 * counts['pass'] / max(len(names), 1):.1f}% |")
    both = Counter((results[(n, "native")].status == "pass", results[(n, "onnx-tf")].status == "pass") for n in names)
    lines += ["", "| both pass | only native | only onnx-tf | neither |", "|---|---|---|---|",
              f"| {both[(True, True)]} | {both[(True, False)]} | {both[(False, True)]} | {both[(False, False)]} |",
              "", "<details><summary>per case</summary>", "", "| case | native | onnx-tf |", "|---|---|---|"]
    for name in names:
        cells = [_status_cell(results[(name, b)]) for b in BACKENDS]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _reason(error: str) -> str:
    """The informative part of a one-line error, for a table cell."""
    if "unsupported ONNX ops:" in error:
        return _cell(error.split("unsupported ONNX ops:", 1)[1].split(";")[0].strip())
    return _cell(error.rsplit("... ", 1)[-1].removesuffix("); try --backend native"))


def _status_cell(result) -> str:
    return result.status if result.status == "pass" else f"{result.status}: {_cell(result.detail)}"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")[:140]


def _number(value, style: str = "f") -> str:
    if value is None:
        return "-"
    return f"{value:.2e}" if style == "e" else f"{value:.2f}"


def _emit(text: str, path: str | None) -> None:
    print(text)
    if path:
        Path(path).write_text(text)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    models = sub.add_parser("models", help="example models / ONNX files: parity, conversion time, latency")
    models.add_argument("--examples", default="TinyResNet,TinyTransformerEncoder,TwoInTwoOut,SequenceClassifierLSTM,"
                                              "SequenceClassifierGRU", help="comma-separated names from examples/models.py ('' for none)")
    models.add_argument("--onnx", nargs="*", default=[], help="ONNX files to compare as well")
    models.add_argument("--exporter", default="dynamo", choices=["dynamo", "torchscript"])
    models.add_argument("--opset", type=int, default=18)
    models.add_argument("--batches", default="1,4")
    models.add_argument("--latency-runs", type=int, default=50)
    models.add_argument("--atol", type=float, default=1e-4)
    models.add_argument("--rtol", type=float, default=1e-3)
    models.add_argument("--no-passes", action="store_true",
                        help="hand the exported ONNX to each backend as is (default: the pipeline's ONNX passes first, "
                             "as scripts/convert.py does: for native that includes the NHWC layout passes)")
    models.add_argument("--markdown", help="also write the tables to this file")
    conformance = sub.add_parser("conformance", help="official ONNX backend test cases through both backends")
    conformance.add_argument("--kinds", default="node", help="comma-separated: node, simple, pytorch-converted, pytorch-operator")
    conformance.add_argument("--include", help="regex on case names, e.g. 'test_(conv|relu)'")
    conformance.add_argument("--limit", type=int, default=0, help="only the first N cases (after --include)")
    conformance.add_argument("--timeout", type=float, default=60.0, help="seconds per case and backend")
    conformance.add_argument("--parallel", action="store_true", help="run the two backends' workers at the same time")
    conformance.add_argument("--json", help="write every result as JSON here (and, while running, as JSON lines to <path>l)")
    conformance.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    setup_logging(verbose=args.verbose, quiet=not args.verbose)
    from converter.backends.onnx_tf_backend import onnx_tf_available
    from converter.errors import BadInputError

    available, hint = onnx_tf_available()
    if not available:
        raise BadInputError(f"compare_backends needs onnx-tf: {hint}")
    return compare_models(args) if args.mode == "models" else compare_conformance(args)


if __name__ == "__main__":
    sys.exit(run_main(main, debug="--debug" in sys.argv))
