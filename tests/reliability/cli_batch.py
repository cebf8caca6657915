"""Run several `torch2serving convert` command lines in ONE process (TF/torch imported once), each exactly as
the command does (argparse, logging set-up, converter.cli.common.run_main), with file descriptors 1 and 2
redirected per run so each run's stdout/stderr (tracebacks included) is captured whole.

    python -m tests.reliability.cli_batch CASES.json OUT_DIR

CASES.json: a list of argument lists. OUT_DIR gets <i>.out, <i>.err and <i>.code per run.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _redirected(out_path: Path, err_path: Path, run) -> int:
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        os.dup2(out.fileno(), 1), os.dup2(err.fileno(), 2)
        try:
            return run()
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])


def main(cases_file: str, out_dir: str) -> int:
    from converter.cli import convert
    from converter.cli.common import run_main, setup_logging

    setup_logging(False, False)
    out = Path(out_dir)
    for index, argv in enumerate(json.loads(Path(cases_file).read_text())):
        def run(argv=argv):
            try:
                arguments = convert.build_parser().parse_args(argv)
            except SystemExit as stop:           # argparse usage errors
                return int(stop.code or 0)
            return run_main(lambda: convert.run(arguments), arguments.debug, json_errors=arguments.json)
        code = _redirected(out / f"{index}.out", out / f"{index}.err", run)
        (out / f"{index}.code").write_text(str(code))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
