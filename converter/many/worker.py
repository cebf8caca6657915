"""One convert-many worker: a long-lived process that imports torch and the pipeline once, then converts
the entries its parent sends, one at a time.

Like `convert`, it never imports TensorFlow itself: each conversion's TensorFlow work runs in its two child
processes (converter/workers.py), which this worker keeps from one entry to the next
(keep_workers_between_conversions): TensorFlow is imported once per worker, in its TensorFlow child (and
libtensorflow_cc loaded once in its serving child), not once per entry. A large model's conversion
(over workers.SHARED_MAX_WEIGHT_BYTES of weights) still gets fresh processes per step, as with `convert`.

    python -P -m converter.many.worker SETTINGS_JSON       (started by converter/many/pool.py)

Protocol: the parent writes one JSON line per entry on stdin ({"entry": 3, "argv": [convert flags]}); the
worker answers on its output with converter/child.py's MARKER lines: {"event": "ready"} once imported, then
per entry {"event": "started"}, the conversion's log records ({"log": ...}, the progress lines included)
and {"event": "finished", "result": {...}}. End of stdin ends the worker, its kept children closed first.
Like the pipeline's own children, it dies with its parent and ignores Ctrl-C (the parent kills it); its
children die with it (converter.child.die_with_parent: they are started from this main thread).

Between entries, the modules an entry's model code brought in from its --model-path leave sys.modules, so
that the next entry's `model:Net` is imported from its own --model-path and not found cached.
"""
from __future__ import annotations

import gc
import json
import logging
import signal
import sys
import time
import traceback
from pathlib import Path

from converter.child import _ForwardHandler, _send, die_with_parent
from converter.errors import ConverterError, InternalError, typed_first_line

logger = logging.getLogger("converter.many.worker")
_PACKAGE_HOME = Path(__file__).resolve().parents[1]       # converter/: never forgotten


def main(argv: list[str]) -> int:
    settings = json.loads(argv[0]) if argv else {}
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger().handlers[:] = [_ForwardHandler()]      # before an import adds a handler of its own
    start = time.perf_counter()
    from converter.tf_import import quiet_tensorflow_on_import

    quiet_tensorflow_on_import()     # a rare path here that does import TF (a diagnosis): no start-up chatter
    import torch  # noqa: F401  (once for every entry: what the pool is for)

    import converter.pipeline  # noqa: F401
    from converter.workers import keep_workers_between_conversions
    for name, level in settings.get("log_levels", {}).items():   # after torch's import sets its own levels
        logging.getLogger(name or None).setLevel(level)
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))        # the progress lines drive the parent's display
    _send({"event": "ready", "seconds": round(time.perf_counter() - start, 3)})
    with keep_workers_between_conversions():       # TF imported once per worker, in its TF child
        for line in sys.stdin:
            if line.strip():
                task = json.loads(line)
                _send({"event": "started", "entry": task["entry"]})
                _send({"event": "finished", "entry": task["entry"],
                       "result": convert_entry(task["argv"], settings.get("debug", False))})
    return 0


def convert_entry(argv: list[str], debug: bool = False) -> dict:
    """One conversion in this process -> the result message (never raises for a failed conversion)."""
    from converter.api.options import strict_parser
    from converter.cli.convert import config_from_args
    from converter.pipeline import convert

    start = time.perf_counter()
    before = set(sys.modules)
    model_path = None
    try:
        config = config_from_args(strict_parser("").parse_args(argv))
        model_path = config.model_path
        result = convert(config)
        worst = max((row.max_abs for row in result.parity.rows), default=None)
        outcome = {"exit_code": 0, "version": result.version, "version_dir": str(result.version_dir),
                   "parity_max_abs": None if worst is None else float(worst)}
    except ConverterError as error:
        outcome = {"exit_code": error.exit_code, "error": type(error).__name__, "message": str(error)}
    except Exception as error:  # noqa: BLE001 - a bug of ours: one line, like the command's; traceback logged
        (logger.error if debug else logger.debug)("%s", traceback.format_exc().rstrip())
        outcome = {"exit_code": 4, "error": "InternalError",
                   "message": f"internal error: {typed_first_line(error)} {InternalError.HINT}"}
    finally:
        if model_path is not None:
            forget_model_modules(before, Path(model_path))
        _release_caches()
    return {**outcome, "seconds": round(time.perf_counter() - start, 3)}


def forget_model_modules(before: set[str], model_path: Path) -> list[str]:
    """Remove from sys.modules the modules imported since `before` from files under `model_path` (the
    user's model code), never this package's or an installed one's. Returns their names."""
    root = model_path.resolve()
    forgotten = []
    for name in sorted(set(sys.modules) - before):
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        location = Path(file).resolve()
        if (location.is_relative_to(root) and not location.is_relative_to(_PACKAGE_HOME)
                and not {"site-packages", "dist-packages"} & set(location.parts)):
            del sys.modules[name]
            forgotten.append(name)
    return forgotten


def _release_caches() -> None:
    """What one conversion leaves in this process that the next does not need. torch._dynamo only if an
    entry imported it (the export does): importing it to reset nothing took 3.4 s after an entry that
    failed at load."""
    dynamo = sys.modules.get("torch._dynamo")
    try:
        if dynamo is not None:
            dynamo.reset()
    except Exception:  # noqa: BLE001 - only a memory saving; never fail an entry over it
        pass
    gc.collect()


if __name__ == "__main__":
    from converter.many.worker import main as package_main    # the package's copy, not __main__'s

    sys.exit(package_main(sys.argv[1:]))
