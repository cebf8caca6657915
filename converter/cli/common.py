"""What every subcommand shares: quiet TF start-up, logging set-up, typed errors -> one line and an exit code.

The command layer is the only place that configures logging or touches file descriptors; the library
(everything outside converter/cli/) never does.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from types import ModuleType

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")      # before TensorFlow is imported anywhere

NOISY_LOGGERS = ("tensorflow", "absl", "h5py", "matplotlib", "onnxscript", "torch", "torch.onnx",
                 "torch.onnx._internal.exporter._registration", "onnx_ir")


def setup_logging(verbose: bool = False, quiet: bool = False, import_frameworks: bool = True) -> None:
    """`import_frameworks`: import TF and torch first (quietly) when they will run in this process; a command
    that only starts processes which do (convert-many) passes False and stays light."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    if not verbose and import_frameworks:
        from converter.tf_import import quiet_tensorflow_on_import

        quiet_tensorflow_on_import()     # the converting process may never import it: its children do
        import torch  # noqa: F401  (torch sets its loggers' levels at import; override them after)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.ERROR if not verbose else logging.INFO)


def setup_warnings_only() -> None:
    """Client-side commands (predict, check-serving): warnings with their logger name, no TF/torch import."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def run_main(main, debug: bool = False, json_errors: bool = False) -> int:
    """Call main(); turn our typed errors into a one-line message and their exit code
    (with json_errors, also a JSON summary on stdout for CI pipelines)."""
    from converter.errors import ConverterError

    try:
        return main() or 0
    except ConverterError as error:
        if debug:
            raise
        return _fail(f"error: {error}", error.exit_code, type(error).__name__, json_errors)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was published", 130, "KeyboardInterrupt", json_errors)
    except Exception as error:  # noqa: BLE001 - a bug of ours: say so in one line, keep the traceback for --debug
        if debug:
            raise
        from converter.errors import typed_first_line

        return _fail(f"internal error: {typed_first_line(error)} "
                     "(rerun with --debug for the traceback and report it)", 4, "InternalError", json_errors)


def _fail(message: str, code: int, kind: str, json_errors: bool) -> int:
    print(message, file=sys.stderr)
    if json_errors:
        import json
        print(json.dumps({"status": "failed", "exit_code": code, "error": kind, "message": message}))
    return code


def run_command(command: ModuleType, args: argparse.Namespace) -> int:
    """One subcommand module (converter/cli/<name>.py): its logging set-up, then its run() under run_main."""
    command.setup(args)
    return run_main(lambda: command.run(args), getattr(args, "debug", False),
                    json_errors=bool(getattr(args, "json", False)))


def command_main(command: ModuleType, argv: list[str] | None = None) -> int:
    """A subcommand on its own (each module's main(), which the scripts/ wrappers call)."""
    prog = "torch2serving " + command.__name__.rsplit(".", 1)[-1].replace("_", "-")
    parser = argparse.ArgumentParser(prog=prog, description=command.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_arguments(parser)
    return run_command(command, parser.parse_args(argv))


def read_npy_pairs(pairs: list[str], flag: str) -> dict:
    """`name=file.npy` arguments -> {name: array}; a bad pair is a one-line BadInputError."""
    import numpy as np

    from converter.errors import BadInputError

    result = {}
    for pair in pairs:
        name, sep, file = pair.partition("=")
        if not sep or not name:
            raise BadInputError(f"{flag} {pair!r}: expected name=file.npy")
        try:
            result[name] = np.load(file, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise BadInputError(f"{flag} {pair!r}: cannot read {file} as .npy ({err})") from None
    return result
