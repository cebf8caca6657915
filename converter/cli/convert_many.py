"""Convert every model of a manifest (YAML or JSON) with a pool of long-lived workers.

Each entry of the manifest holds the fields of `torch2serving convert` (its flags without dashes), plus
`defaults` shared by all; every entry is validated before any worker starts. Each worker imports
TensorFlow and torch once and converts entry after entry; a failed or crashed entry never stops the others
and never leaves anything half-published. Entries of the same model publish in manifest order.
--shard I/N converts only the I-th of N deterministic slices, for a Kubernetes Indexed Job, a Slurm array
or a CI matrix (docs/convert-many.md). Exit code 0 only if every entry was published; else the highest of
the failed entries' codes (a crashed worker counts as 4).
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from converter.cli.common import command_main, setup_logging


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", metavar="MANIFEST", help="YAML or JSON: a list of entries, or {defaults: {...}, "
                   "models: [...]}; relative paths resolve against its folder")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes, each converting one model at a time (default: the cores available)")
    p.add_argument("--shard", default="0/1", metavar="I/N",
                   help="convert only slice I (0..N-1) of N; all entries of a model name are in one slice "
                        "(default 0/1: everything)")
    p.add_argument("--serving-root", metavar="DIR", help="publish every entry here, whatever the manifest says")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="fail an entry (exit class timeout) whose conversion takes longer; its worker is replaced")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the manifest and list this shard's entries; convert nothing")
    p.add_argument("--json", action="store_true", help="the summary as JSON on stdout (the table goes to stderr)")
    p.add_argument("--quiet", action="store_true", help="only finished entries, warnings and the summary")
    p.add_argument("--verbose", action="store_true", help="the workers' full logs and output")
    p.add_argument("--debug", action="store_true", help="tracebacks (also of the workers' internal errors)")


def setup(args) -> None:
    setup_logging(args.verbose, args.quiet, import_frameworks=False)    # TF and torch run in the workers only


def run(args) -> int:
    from converter.errors import BadInputError
    from converter.many.manifest import load_manifest
    from converter.many.shard import parse_shard, select_shard

    index, count = parse_shard(args.shard)
    if args.workers is not None and args.workers < 1:
        raise BadInputError(f"--workers {args.workers}: give at least 1")
    if args.timeout is not None and args.timeout <= 0:
        raise BadInputError(f"--timeout {args.timeout:g}: give a positive number of seconds")
    entries = load_manifest(args.manifest, args.serving_root)
    selected = select_shard(entries, index, count)
    if args.dry_run:
        return _plan(selected, len(entries), args)
    return _convert(selected, args)


def _plan(selected: list, total: int, args) -> int:
    rows = [{"entry": e.index, "model": e.name, "checkpoint": str(e.config.checkpoint),
             "serving_root": str(e.config.serving_root), "version": e.config.version} for e in selected]
    if args.json:
        print(json.dumps({"status": "planned", "exit_code": 0, "shard": args.shard, "manifest_entries": total,
                          "models": rows}, indent=2))
    else:
        print(f"shard {args.shard}: {len(rows)} of {total} entries")
        for row in rows:
            print(f"{row['entry']:>5}  {row['model']:<24} {row['checkpoint']} -> {row['serving_root']}")
    return 0


def _convert(selected: list, args) -> int:
    from converter.child import _explicit_log_levels      # the pipeline's children get the same levels
    from converter.many.outcome import summary_dict, summary_table
    from converter.many.pool import available_cpus
    from converter.many.runner import run_entries
    from converter.cli.progress import ProgressDisplay

    workers = args.workers or available_cpus()
    level = logging.DEBUG if args.verbose else logging.WARNING
    display = ProgressDisplay(len(selected), sys.stderr, live=sys.stderr.isatty(), level=level, quiet=args.quiet)
    logging.getLogger(__name__).info("%d entries (shard %s), %d worker%s", len(selected), args.shard,
                                     min(workers, len(selected)), "s" if min(workers, len(selected)) > 1 else "")
    previous = signal.signal(signal.SIGTERM, _interrupt)    # a pod's termination stops the run like Ctrl-C
    try:
        result = run_entries(selected, workers, display, timeout=args.timeout, log_levels=_explicit_log_levels(),
                             debug=args.debug) if selected else None
    finally:
        signal.signal(signal.SIGTERM, previous)
        display.close()
    outcomes = result.outcomes if result else []
    summary = summary_dict(outcomes, result.workers if result else [], seconds=result.seconds if result else 0.0,
                           shard=args.shard, interrupted=bool(result and result.interrupted))
    table = summary_table(outcomes)
    print(table, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(summary, indent=2))
    return summary["exit_code"]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)
