"""A child process started ahead of its work, which then runs several handler calls in turn.

converter/child.py runs one handler per process, started when the stage begins; a TensorFlow child then
spends seconds importing TensorFlow before it does anything. A ChildWorker starts at once (its imports
and `warm_up` overlap the parent's own work), and the parent hands it tasks when their inputs exist:

    worker = ChildWorker("tensorflow", env=EIGEN_KERNELS, warm_up="converter.translate.worker:warm_up")
    ...                                              # the parent loads and exports meanwhile
    task = worker.task(translate_in_child, "translate")
    task.scratch / "model.onnx"                      # a fresh folder of the task's own, for large payloads
    task.submit({"model": ...}, on_event=progress)   # returns at once; the child queues tasks in order
    ...                                              # the parent computes the references meanwhile
    spec = task.result()                             # the handler's result, or its exception as its class
    worker.close()                                   # kills the child: its memory is the OS's again

Same protocol as converter/child.py (handlers `(request, context) -> JSON-able`, log records and events
on the child's output, errors as class + one-line message), but the child's set-up and then the requests
arrive one JSON line at a time on its stdin, and each result is announced by a line of its own. A reader
thread relays the child's output as it comes, so events and log records reach the parent while its main
thread works. A worker that dies (killed, out of memory, a crash, a task's timeout) fails every unfinished
task with one ConverterError naming that task's stage, as ChildProcess does.

The child never reads the worker's scratch folder, only each task's (named in the task's line): a worker
kept for another conversion (converter/workers.py) moves its scratch into that conversion's work dir with
move_scratch(), since the previous one's may be gone.
"""
from __future__ import annotations

import importlib
import json
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from converter.child import (MARKER, ChildContext, _describe_exit, crash_message, _emit_record, _explicit_log_levels, _send,
                             _setup, _write_result, child_env, python_command)
from converter.errors import ConverterError, error_from_dict, error_to_dict

logger = logging.getLogger("converter.child")

READY = "ready"           # the worker's event once its imports and warm_up are done


class WorkerTask:
    """One handler call in a ChildWorker: a scratch folder first, then submit(), then result()."""

    def __init__(self, worker: "ChildWorker", index: int, handler: str, stage: str, timeout: float | None):
        self.worker, self.index, self.handler, self.stage, self.timeout = worker, index, handler, stage, timeout
        self.scratch = worker.scratch / f"task-{index}"
        self.scratch.mkdir()
        self.events: dict[str, float] = {}       # event name -> time.monotonic() of its arrival
        self.submitted: float | None = None
        self.finished: float | None = None       # when the child announced the result
        self._on_event: Callable[[str], None] | None = None
        self._done = threading.Event()

    def submit(self, request: dict, on_event: Callable[[str], None] | None = None) -> "WorkerTask":
        """Queue the call; `on_event(name)` runs on the reader thread for each context.event(name)."""
        self._on_event = on_event
        self.worker._submit(self, request)
        return self

    def wait_for(self, event: str) -> bool:
        """Wait until the task sends `event` (True) or ends without it (False)."""
        with self.worker._condition:
            self.worker._condition.wait_for(lambda: event in self.events or self._done.is_set())
            return event in self.events

    def result(self):
        """The handler's return value; its exception raised as the same class; a crash or a timeout as a
        ConverterError naming this task's stage."""
        deadline = None if self.timeout is None else (self.submitted or time.monotonic()) + self.timeout
        if not self._done.wait(None if deadline is None else max(0.0, deadline - time.monotonic())):
            self.worker._kill(timed_out=self)
            self._done.wait()
        result_path = self.scratch / "result.json"
        outcome = json.loads(result_path.read_text()) if result_path.is_file() else {}
        if "error" in outcome:
            raise error_from_dict(outcome["error"])
        if "result" in outcome:
            return outcome["result"]
        raise ConverterError(self.worker._crash_message(self))

    def _event(self, name: str) -> None:
        self.events[name] = time.monotonic()
        if self._on_event is not None:
            try:
                self._on_event(name)
            except Exception:  # noqa: BLE001 - a progress callback must not kill the relay
                logger.exception("event callback failed")


class ChildWorker:
    """A child process serving tasks one after the other (see the module docstring). `env` adds to the
    child's environment (e.g. converter.child.EIGEN_KERNELS: TF reads it once per process, so a worker
    serves one kernel family); `quiet_tensorflow` imports TF before anything else (False: the child must not
    import TF's Python layer); `warm_up` ("module:function") runs next, e.g. to import the op registry."""

    def __init__(self, name: str, *, work_dir: str | Path | None = None, env: dict[str, str] | None = None,
                 quiet_tensorflow: bool = True, warm_up: str | None = None, echo_output: bool = False,
                 crash_note: str = ""):
        self.name, self.crash_note, self._echo = name, crash_note, echo_output
        self.env = dict(env or {})          # what this worker adds to the environment (its kernel family)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{name}-worker-", dir=work_dir))
        self.started = time.monotonic()
        self.ready_at: float | None = None
        self._condition = threading.Condition()
        self._tasks: dict[int, WorkerTask] = {}
        self._count = 0
        self._tail: list[str] = []
        self._timed_out: WorkerTask | None = None
        self._ended = False
        envelope = {"log_levels": _explicit_log_levels(), "quiet_tensorflow": quiet_tensorflow, "warm_up": warm_up}
        self._process = subprocess.Popen(python_command("converter.child", "--serve"),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, errors="replace", env={**child_env(), **self.env})
        self._write_line(envelope)
        self._reader = threading.Thread(target=self._relay, name=f"{name}-worker-output", daemon=True)
        self._reader.start()

    def __enter__(self) -> "ChildWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def idle(self) -> bool:
        """Alive, never timed out, and no submitted task unfinished: another conversion may use it."""
        with self._condition:
            pending = any(t.submitted is not None and not t._done.is_set() for t in self._tasks.values())
            return self.alive and self._timed_out is None and not pending

    def task(self, handler: Callable | str, stage: str, timeout: float | None = None) -> WorkerTask:
        """A new task for `handler`: a module-level function, or "module:function" (a module this process
        need not import, e.g. one importing TensorFlow); its scratch folder exists on return."""
        name = handler if isinstance(handler, str) else f"{handler.__module__}:{handler.__qualname__}"
        with self._condition:
            self._count += 1
            task = self._tasks[self._count] = WorkerTask(self, self._count, name, stage, timeout)
            if self._ended:            # the child is gone: result() says how
                task._done.set()
        return task

    def run(self, handler: Callable | str, request: dict, stage: str, timeout: float | None = None):
        """A task submitted and waited for."""
        return self.task(handler, stage, timeout).submit(request).result()

    def wait_ready(self) -> float:
        """Seconds from the worker's start to the end of its imports and warm_up (raises if it died first)."""
        with self._condition:
            self._condition.wait_for(lambda: self.ready_at is not None or self._ended)
        if self.ready_at is None:
            raise ConverterError(f"the {self.name} process {self._how_it_ended()} while starting"
                                 + (f"; {self.crash_note}" if self.crash_note else ""))
        return self.ready_at - self.started

    def move_scratch(self, work_dir: str | Path | None) -> None:
        """Later tasks get their folders in a fresh scratch folder under `work_dir`; the old one goes, with
        what earlier tasks left there. For an idle worker handed from one conversion to the next."""
        old, self.scratch = self.scratch, Path(tempfile.mkdtemp(prefix=f"{self.name}-worker-", dir=work_dir))
        shutil.rmtree(old, ignore_errors=True)
        with self._condition:        # finished tasks: nothing refers to them any more
            self._tasks = {i: t for i, t in self._tasks.items() if not t._done.is_set()}

    def close(self) -> None:
        """Kill the child (an abandoned task must not write on; its memory goes back to the OS at once)
        and remove the scratch folder. Unfinished tasks fail as crashes."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._reader.join()
            for stream in (self._process.stdin, self._process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._process = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    # ---- internals ----

    def _submit(self, task: WorkerTask, request: dict) -> None:
        task.submitted = time.monotonic()
        self._write_line({"task": task.index, "handler": task.handler, "scratch": str(task.scratch),
                          "request": request})

    def _write_line(self, message: dict) -> None:
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError, AttributeError):     # the child is gone: result() says how
            pass

    def _relay(self) -> None:
        for line in self._process.stdout:
            if not line.startswith(MARKER):
                if self._echo:
                    sys.stderr.write(line)
                if line.strip():
                    self._tail = (self._tail + [line.strip()])[-5:]
                continue
            message = json.loads(line[len(MARKER):])
            if "log" in message:
                _emit_record(message["log"])
                continue
            with self._condition:
                task = self._tasks.get(message.get("task", 0))
                if message.get("event") == READY and task is None:
                    self.ready_at = time.monotonic()
                elif "done" in message:
                    task = self._tasks[message["done"]]
                    task.finished = time.monotonic()
                    task._done.set()
                elif task is not None and "event" in message:
                    task._event(message["event"])
                self._condition.notify_all()
        self._process.wait()
        with self._condition:
            self._ended = True
            for task in self._tasks.values():
                task._done.set()
            self._condition.notify_all()

    def _kill(self, timed_out: WorkerTask) -> None:
        self._timed_out = timed_out
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def _how_it_ended(self) -> str:
        returncode = self._process.wait() if self._process is not None else -signal.SIGKILL
        return _describe_exit(returncode)

    def _crash_message(self, task: WorkerTask) -> str:
        if self._timed_out is task:
            how = f"did not finish within {task.timeout:g} s"
        else:
            how = self._how_it_ended()
        return crash_message(task.stage, how, self._tail, self.crash_note)


# ---- the child's side: `python -P -m converter.child --serve` ----

def serve() -> int:
    """Set up from stdin's first line, then run tasks from it until it closes."""
    envelope = json.loads(sys.stdin.readline())
    _setup(envelope)
    if envelope["quiet_tensorflow"]:
        from converter.tf_import import import_tensorflow_quietly

        import_tensorflow_quietly()
    if envelope.get("warm_up"):
        _call(envelope["warm_up"])
    _send({"event": READY})
    for line in sys.stdin:
        if not line.strip():
            continue
        order = json.loads(line)
        task_scratch = Path(order["scratch"])
        context = _TaskContext(task_scratch, order["task"])
        try:
            outcome = {"result": _call(order["handler"], order["request"], context)}
        except Exception as error:  # noqa: BLE001 - every error goes back to the parent as class + message
            logger.debug("%s failed in the worker:\n%s", order["handler"], traceback.format_exc().rstrip())
            outcome = {"error": error_to_dict(error)}
        _write_result(task_scratch / "result.json", outcome)
        _send({"done": order["task"]})
    return 0


@dataclass(frozen=True)
class _TaskContext(ChildContext):
    """ChildContext whose events name their task."""
    task: int = 0

    def event(self, name: str) -> None:
        _send({"event": name, "task": self.task})


def _call(target: str, *args):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args)
