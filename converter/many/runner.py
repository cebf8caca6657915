"""The run: a pool of workers converting the entries, each entry isolated in its worker.

A worker that dies (SIGKILL, a segfault, out of memory) or passes --timeout fails only the entry it was
converting (exit class crashed or timeout): the staging folder it left is removed (a version folder only
ever appears by the atomic rename at the end of a conversion, so nothing half-published remains) and, if
entries are left, a new worker takes its place. Ctrl-C (and SIGTERM, through the command) kills the
workers and reports the entries that were running or pending as not run.
"""
from __future__ import annotations

import logging
import queue
import re
import time
from dataclasses import dataclass, field

from converter.errors import InternalError
from converter.many.outcome import CRASHED, NOT_RUN, PROCESS_EXIT_CODE, TIMEOUT, Outcome, WorkerRecord, \
    outcome_from_worker
from converter.many.pool import WorkerProcess
from converter.many.schedule import Schedule

logger = logging.getLogger(__name__)

PROGRESS_LOGGER = "converter.progress"
_STAGE_START = re.compile(r"^\[\d+/\d+\] (\w+).*\.\.\.$")      # pipeline.StageTimer's "[5/9] translate ..."
POLL_SECONDS = 0.5


class RunObserver:
    """What a display hears of a run (every method optional)."""

    def worker_ready(self, worker: WorkerProcess, seconds: float) -> None: ...
    def started(self, entry, worker: WorkerProcess) -> None: ...
    def stage(self, entry, worker: WorkerProcess) -> None: ...
    def log(self, entry, worker: WorkerProcess, levelno: int, message: str) -> None: ...
    def output(self, worker: WorkerProcess, line: str) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...
    def tick(self) -> None: ...


@dataclass
class RunResult:
    outcomes: list[Outcome]
    workers: list[WorkerRecord]
    seconds: float
    interrupted: bool = False


@dataclass
class _Run:
    entries: list
    settings: dict
    observer: RunObserver
    timeout: float | None
    schedule: Schedule = None
    messages: queue.Queue = field(default_factory=queue.Queue)
    workers: list[WorkerProcess] = field(default_factory=list)
    records: dict[int, WorkerRecord] = field(default_factory=dict)      # by pid
    outcomes: dict[int, Outcome] = field(default_factory=dict)          # by entry index
    existed: dict[int, bool] = field(default_factory=dict)              # model folder there before the entry?
    next_number: int = 1


def run_entries(entries: list, workers: int, observer: RunObserver | None = None, *, timeout: float | None = None,
                log_levels: dict | None = None, debug: bool = False) -> RunResult:
    """Convert every entry with up to `workers` worker processes; one Outcome per entry, in manifest order."""
    start = time.monotonic()
    run = _Run(list(entries), {"log_levels": log_levels or {}, "debug": debug}, observer or RunObserver(), timeout)
    run.schedule = Schedule(run.entries)
    interrupted = False
    try:
        for _ in range(max(1, min(workers, len(run.entries)))):
            _spawn(run)
        while not run.schedule.finished():
            _assign(run)
            try:
                worker, message = run.messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                _enforce_timeout(run)
                run.observer.tick()
                continue
            _handle(run, worker, message)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _shut_down(run, interrupted)
    outcomes = [run.outcomes[e.index] for e in run.entries]
    return RunResult(outcomes, list(run.records.values()), time.monotonic() - start, interrupted)


def _spawn(run: _Run) -> WorkerProcess:
    worker = WorkerProcess(run.next_number, run.settings, run.messages)
    run.next_number += 1
    run.workers.append(worker)
    run.records[worker.pid] = WorkerRecord(worker.number, worker.pid)
    return worker


def _assign(run: _Run) -> None:
    for worker in run.workers:
        if not worker.idle:
            continue
        entry = run.schedule.take()
        if entry is None:
            return
        run.existed[entry.index] = entry.model_dir.exists()
        worker.send(entry)          # a worker gone meanwhile: its exit message reports the entry


def _handle(run: _Run, worker: WorkerProcess, message: dict) -> None:
    event = message.get("event")
    if "log" in message:
        _log(run, worker, message["log"])
    elif "output" in message:
        run.observer.output(worker, message["output"])
    elif event == "ready":
        worker.ready = True
        seconds = round(time.monotonic() - worker.spawned, 3)
        run.records[worker.pid].startup_seconds = seconds
        run.observer.worker_ready(worker, seconds)
    elif event == "started" and worker.entry is not None:
        run.observer.started(worker.entry, worker)
    elif event == "finished" and worker.entry is not None:
        entry = worker.entry
        _finish(run, worker, outcome_from_worker(entry.index, entry.name, worker.number, message["result"]))
    elif event == "exit":
        _worker_exited(run, worker)


def _log(run: _Run, worker: WorkerProcess, record: dict) -> None:
    if record.get("name") == PROGRESS_LOGGER:
        match = _STAGE_START.match(record.get("msg", ""))
        if match and worker.entry is not None:
            worker.stage = match.group(1)
            run.observer.stage(worker.entry, worker)
        return
    run.observer.log(worker.entry, worker, int(record.get("levelno", logging.INFO)), record.get("msg", ""))


def _finish(run: _Run, worker: WorkerProcess, outcome: Outcome) -> None:
    entry = worker.entry
    worker.entry, worker.stage = None, ""
    run.outcomes[entry.index] = outcome
    run.records[worker.pid].conversions.append({"entry": entry.index, "model": entry.name,
                                                "seconds": outcome.seconds, "exit_class": outcome.exit_class})
    run.schedule.done(entry)
    run.observer.finished(outcome)


def _worker_exited(run: _Run, worker: WorkerProcess) -> None:
    run.workers.remove(worker)
    how = worker.exit_description()
    worker.close()
    run.records[worker.pid].exit = how
    if not worker.ready:
        raise InternalError(f"convert-many worker {worker.number} (pid {worker.pid}) {how} before it was ready")
    if worker.entry is not None:
        entry = worker.entry
        _remove_leftovers(entry, run.existed.get(entry.index, True))
        seconds = round(time.monotonic() - worker.entry_started, 3)
        if worker.timed_out:
            outcome = Outcome(entry.index, entry.name, TIMEOUT, PROCESS_EXIT_CODE, seconds, worker=worker.number,
                              message=f"did not finish within --timeout {run.timeout:g} s (in stage "
                                      f"{worker.stage}); its worker was killed, nothing was published")
        else:
            outcome = Outcome(entry.index, entry.name, CRASHED, PROCESS_EXIT_CODE, seconds, worker=worker.number,
                              message=f"its worker (pid {worker.pid}) {how} in stage {worker.stage}; "
                                      "nothing was published")
        _finish(run, worker, outcome)
    if run.schedule.pending:
        _spawn(run)


def _remove_leftovers(entry, model_dir_existed: bool) -> None:
    """The staging folder a dead worker left (its pid is gone now), and the model folder if the entry made it."""
    from converter.publish import clean_stale_staging

    if entry.model_dir.is_dir():
        clean_stale_staging(entry.model_dir)
        if not model_dir_existed:
            try:
                entry.model_dir.rmdir()           # only if empty: never a version another run published
            except OSError:
                pass


def _enforce_timeout(run: _Run) -> None:
    if run.timeout is None:
        return
    now = time.monotonic()
    for worker in run.workers:
        if worker.entry is not None and not worker.timed_out and now - worker.entry_started > run.timeout:
            worker.kill(timed_out=True)


def _shut_down(run: _Run, interrupted: bool) -> None:
    """Every worker ended; entries that never finished reported as not run."""
    running = [w.entry for w in run.workers if w.entry is not None]
    for worker in run.workers:
        if interrupted or worker.entry is not None:
            worker.kill()
        worker.close()
    for entry in running:
        _remove_leftovers(entry, run.existed.get(entry.index, True))
    for entry in [*running, *run.schedule.drain()]:
        if entry.index not in run.outcomes:
            run.outcomes[entry.index] = Outcome(entry.index, entry.name, NOT_RUN, 130 if interrupted else 4,
                                                message="interrupted before it finished" if interrupted
                                                else "not run: the run stopped early")
