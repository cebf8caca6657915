"""The one way the converter runs work in a child Python process (one handler call per process here;
converter/child_worker.py starts a process ahead of its work and gives it several tasks, on the same
protocol, which is how a conversion runs: converter/workers.py).

Why children: the converting process never imports TensorFlow (seconds of start-up, and ~0.7 GB); TF
keeps a translated model's memory until its process exits (translate); TF reads its kernel family
(TF_ENABLE_ONEDNN_OPTS) once per process; and TF Serving's loader must be checked in a process that
never imported TensorFlow's Python layer (the serving load check).

    with ChildProcess(run_request, stage="verify") as child:
        np.savez(child.scratch / "in0.npz", **feeds)     # large payloads: files in the scratch folder
        result = child.run({"saved_model_dir": path})    # JSON-able request -> the handler's JSON-able result

The parent writes the request into a fresh scratch folder and starts `python -P -m converter.child
REQUEST.json` on its own interpreter. The child calls `handler(request, context)` (a module-level function
of an importable module) and writes result.json: the return value, or the exception as class and one-line
message (converter.errors.error_to_dict), raised again in the parent as the same class. A child that ends
without a result (killed, out of memory, a C++ abort, a timeout) becomes one ConverterError naming the stage.

Output: the child's stdout and stderr come back through one pipe. Lines starting with MARKER carry its log
records (re-emitted in the parent through the same logger names, so the user's log levels apply) and its
events (`context.event("translated")`); other lines (warnings, C++ messages) are kept for the crash message
and, with echo_output, copied to the parent's stderr.

Imports: the child imports `converter` from the folder the parent did. `-P` keeps the working directory
off its sys.path; that folder goes first on PYTHONPATH unless it is a site-packages folder (a pip install,
which the child's interpreter finds unaided): a source checkout, an editable install or PYTHONPATH=. all
work without the package knowing where the project lives.

Lifetime: the child dies with the parent (PR_SET_PDEATHSIG), ignores Ctrl-C (the parent kills it), and is
killed when the parent abandons it (close(), a timeout).
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from converter.errors import ConverterError, error_from_dict, error_to_dict

# Nothing here imports TensorFlow at module level: a child sets up its logging before TF's import.
logger = logging.getLogger("converter.child")        # also when run as __main__

MARKER = "\x1e@converter-child "      # starts every protocol line on the child's output
PARENT_PID_VARIABLE = "CONVERTER_PARENT_PID"
_PACKAGE_HOME = Path(__file__).resolve().parents[1]     # the folder holding this `converter` package


# TF picks one of two CPU kernel families when it loads a graph: oneDNN's (its default on CPUs with AVX-512
# VNNI/BF16 or AMX, or with TF_ENABLE_ONEDNN_OPTS=1) or Eigen's (elsewhere). Grappler fuses differently for
# each, and some fused kernels exist in one family only (Eigen's fused convolution has no grouped or dilated
# 3-D form), so a SavedModel that runs on the converting machine can fail on a server with another CPU.
# Verification runs Eigen's and the serving load check oneDNN's, whatever this machine's default.
EIGEN_KERNELS = {"TF_ENABLE_ONEDNN_OPTS": "0"}
ONEDNN_KERNELS = {"TF_ENABLE_ONEDNN_OPTS": "1"}


def python_command(module: str, *args: str) -> list[str]:
    """`python -P -m module args` on this interpreter (-P: Python 3.11+, no working directory on sys.path)."""
    safe_path = ["-P"] if sys.version_info >= (3, 11) else []
    return [sys.executable, *safe_path, "-m", module, *args]


def child_env(tf_log_level: str | None = None) -> dict[str, str]:
    """This process's environment for a child: TF's C++ logging quiet (the parent's level, else 2, unless
    `tf_log_level` is given), this package importable, and our pid for die_with_parent()."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=tf_log_level or os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    env[PARENT_PID_VARIABLE] = str(os.getpid())
    site_folders = {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if _PACKAGE_HOME not in site_folders:
        env["PYTHONPATH"] = os.pathsep.join([str(_PACKAGE_HOME), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


@dataclass(frozen=True)
class ChildContext:
    """What a handler gets besides its request: the scratch folder it shares with the parent, and events."""
    scratch: Path

    def event(self, name: str) -> None:
        """Tell the parent that a step is done (ChildProcess.wait_for)."""
        _send({"event": name})


class ChildProcess:
    """One handler call in a child process. `stage` names it in a crash message; `crash_note` is appended
    there; `echo_output` copies the child's plain output to stderr; `quiet_tensorflow` imports TF with
    file descriptor 2 silenced before the handler runs (False: the child must not import TF's Python layer);
    `env` adds to (or overrides) the child's environment, e.g. EIGEN_KERNELS."""

    def __init__(self, handler: Callable, stage: str, *, work_dir: str | Path | None = None,
                 timeout: float | None = None, echo_output: bool = False, quiet_tensorflow: bool = True,
                 crash_note: str = "", env: dict[str, str] | None = None):
        self.handler = f"{handler.__module__}:{handler.__qualname__}"
        self.stage, self.timeout, self.crash_note = stage, timeout, crash_note
        self._echo, self._quiet_tensorflow, self._env = echo_output, quiet_tensorflow, dict(env or {})
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{stage.replace(' ', '-')}-", dir=work_dir))
        self._process: subprocess.Popen | None = None
        self._timer: threading.Timer | None = None
        self._timed_out = False
        self._tail: list[str] = []          # the child's last plain output lines, for a crash message

    def __enter__(self) -> "ChildProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, request: dict):
        """Start the child and wait for its result."""
        self.start(request)
        return self.result()

    def start(self, request: dict) -> None:
        envelope = {"handler": self.handler, "request": request, "log_levels": _explicit_log_levels(),
                    "quiet_tensorflow": self._quiet_tensorflow}
        request_path = self.scratch / "request.json"
        request_path.write_text(json.dumps(envelope))
        self._process = subprocess.Popen(python_command("converter.child", str(request_path)),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, errors="replace", env={**child_env(), **self._env})
        if self.timeout is not None:
            self._timer = threading.Timer(self.timeout, self._kill_for_timeout)
            self._timer.daemon = True
            self._timer.start()

    def wait_for(self, event: str) -> bool:
        """Relay the child's output until it sends `event` (True) or ends (False)."""
        return self._relay(until=event)

    def result(self, stage: str | None = None):
        """The handler's return value, once the child ends; its exception raised as the same class; a crash
        or timeout as a ConverterError naming `stage` (default: the one given at construction)."""
        self._relay(until=None)
        returncode = self._process.wait()
        if self._timer is not None:
            self._timer.cancel()
        result_path = self.scratch / "result.json"
        outcome = json.loads(result_path.read_text()) if result_path.is_file() else {}
        if "error" in outcome:
            raise error_from_dict(outcome["error"])
        if "result" in outcome and returncode == 0:
            return outcome["result"]
        raise ConverterError(self._crash_message(stage or self.stage, returncode))

    def close(self) -> None:
        """Kill the child if it still runs (an abandoned stage must not write on afterwards); remove scratch."""
        if self._timer is not None:
            self._timer.cancel()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process.stdout.close()
            self._process = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _relay(self, until: str | None) -> bool:
        for line in self._process.stdout:
            if not line.startswith(MARKER):
                if self._echo:
                    sys.stderr.write(line)
                self._tail = (self._tail + [line.strip()])[-5:] if line.strip() else self._tail
                continue
            message = json.loads(line[len(MARKER):])
            if "log" in message:
                _emit_record(message["log"])
            elif until is not None and message.get("event") == until:
                return True
        return False

    def _kill_for_timeout(self) -> None:
        self._timed_out = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def _crash_message(self, stage: str, returncode: int) -> str:
        how = (f"did not finish within {self.timeout:g} s" if self._timed_out else _describe_exit(returncode))
        return crash_message(stage, how, self._tail, self.crash_note)


def crash_message(stage: str, how: str, tail: list[str], note: str = "") -> str:
    """The one line for a child process that ended without a result: the stage, how it ended (`how`), its
    last output line and `note` (e.g. that nothing was published)."""
    last = f"; last output: {tail[-1][:300]}" if tail else ""
    return f"the {stage} stage's process {how}{last}" + (f"; {note}" if note else "")


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = " (out of memory?)" if -returncode == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {returncode} without a result"


def _explicit_log_levels() -> dict[str, int]:
    """The root level and every level set on a named logger (the CLI quietens TF, torch, ...): the child
    applies them, so it forwards only what the parent would show."""
    levels = {"": logging.getLogger().getEffectiveLevel()}
    for name, item in list(logging.root.manager.loggerDict.items()):
        if isinstance(item, logging.Logger) and item.level != logging.NOTSET:
            levels[name] = item.level
    return levels


def _emit_record(data: dict) -> None:
    target = logging.getLogger(data["name"])
    if target.isEnabledFor(data["levelno"]):
        target.handle(logging.makeLogRecord({**data, "args": None}))


# ---- the child's side ----

class _ForwardHandler(logging.Handler):
    """Each log record as one protocol line; the parent re-emits it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            _send({"log": {"name": record.name, "levelno": record.levelno, "levelname": record.levelname,
                           "msg": text}})
        except Exception:  # noqa: BLE001 - logging must never break the conversion
            self.handleError(record)


def _send(message: dict) -> None:
    sys.stderr.write(MARKER + json.dumps(message) + "\n")
    sys.stderr.flush()


def die_with_parent() -> None:
    """SIGKILL this process when the parent dies (a killed conversion must not leave a child writing into
    staging). The parent's pid comes from child_env(); without it, nothing to do."""
    parent_pid = int(os.environ.get(PARENT_PID_VARIABLE, "0"))
    if not parent_pid:
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):     # not Linux: the parent still kills us when it abandons a stage
        pass
    if os.getppid() != parent_pid:        # the parent died before prctl took effect
        os._exit(1)


def _write_result(path: Path, result: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, path)


def _setup(envelope: dict) -> None:
    """The child's first steps: die with the parent, ignore Ctrl-C, forward log records at the parent's levels."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the whole group: the parent kills us
    logging.getLogger().handlers[:] = [_ForwardHandler()]     # before TF's import adds a handler of its own
    for name, level in envelope["log_levels"].items():
        logging.getLogger(name or None).setLevel(level)


def main(argv: list[str]) -> int:
    """`REQUEST.json`: one handler call (ChildProcess); `--serve`: tasks from stdin (child_worker.py)."""
    if argv[0] == "--serve":
        from converter.child_worker import serve

        return serve()
    request_path = Path(argv[0])
    envelope = json.loads(request_path.read_text())
    _setup(envelope)
    if envelope["quiet_tensorflow"]:
        from converter.tf_import import import_tensorflow_quietly

        import_tensorflow_quietly()
    result_path = request_path.parent / "result.json"
    try:
        module, _, name = envelope["handler"].partition(":")
        handler = getattr(importlib.import_module(module), name)
        _write_result(result_path, {"result": handler(envelope["request"], ChildContext(request_path.parent))})
    except Exception as error:  # noqa: BLE001 - every error goes back to the parent as class + message
        logger.debug("%s failed in the child:\n%s", envelope["handler"], traceback.format_exc().rstrip())
        _write_result(result_path, {"error": error_to_dict(error)})
        return 1
    return 0


if __name__ == "__main__":
    from converter.child import main as package_main    # the package's copy of this module, not __main__'s

    sys.exit(package_main(sys.argv[1:]))
