"""convert-many's progress on stderr: one line per event, and on a terminal a live status line under them
(models done / failed / remaining, and the stage each worker is in)."""
from __future__ import annotations

import logging
import shutil
import time
from typing import TextIO

from converter.many.outcome import Outcome
from converter.many.runner import RunObserver


class ProgressDisplay(RunObserver):
    """`live`: redraw a status line (a terminal); else every stage change is a line too (CI logs).
    `level`: the lowest log level of the workers' records shown; `quiet`: only finished entries and
    records of `level` and above."""

    def __init__(self, total: int, stream: TextIO, *, live: bool, level: int = logging.WARNING,
                 quiet: bool = False):
        self.total, self.stream, self.live, self.level, self.quiet = total, stream, live, level, quiet
        self.done = self.failed = 0
        self.workers: dict[int, object] = {}
        self._status_shown = False

    # RunObserver
    def worker_ready(self, worker, seconds: float) -> None:
        self.workers[worker.number] = worker
        if self.level <= logging.INFO:
            self._line(f"worker {worker.number} (pid {worker.pid}) ready in {seconds:.1f} s")
        self._status()

    def started(self, entry, worker) -> None:
        self.workers[worker.number] = worker
        if not self.quiet:
            self._line(f"{entry.label}: started on worker {worker.number} (pid {worker.pid})")
        self._status()

    def stage(self, entry, worker) -> None:
        if not self.live and not self.quiet:
            self._line(f"{entry.label}: {worker.stage}")
        self._status()

    def log(self, entry, worker, levelno: int, message: str) -> None:
        if levelno >= self.level:
            self._line(f"{entry.label if entry is not None else f'worker {worker.number}'}: {message}")

    def output(self, worker, line: str) -> None:
        if self.level <= logging.DEBUG:
            self._line(f"worker {worker.number}: {line}")

    def finished(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.done += 1
            parity = f", parity max abs {outcome.parity_max_abs:.3g}" if outcome.parity_max_abs is not None else ""
            text = f"published version {outcome.version} in {outcome.seconds:.1f} s{parity}"
        else:
            self.failed += 1
            error = outcome.message.strip().splitlines()[0] if outcome.message.strip() else ""
            text = f"FAILED ({outcome.exit_class}, exit code {outcome.exit_code}): {error}"
        self._line(f"entry {outcome.entry} ({outcome.model}): {text} [{self._counts()}]")
        self._status()

    def tick(self) -> None:
        self._status()

    def close(self) -> None:
        self._clear()

    # drawing
    def _counts(self) -> str:
        return f"{self.done} done, {self.failed} failed, {self.total - self.done - self.failed} remaining"

    def _line(self, text: str) -> None:
        self._clear()
        self.stream.write(text.rstrip("\n") + "\n")
        self.stream.flush()

    def _status(self) -> None:
        if not self.live:
            return
        now = time.monotonic()
        parts = [self._counts()]
        for number, worker in sorted(self.workers.items()):
            if worker.entry is not None:
                parts.append(f"w{number} {worker.entry.name}: {worker.stage} {now - worker.entry_started:.0f}s")
            elif worker.process.poll() is None:
                parts.append(f"w{number} idle")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\x1b[K" + " | ".join(parts)[:width])
        self.stream.flush()
        self._status_shown = True

    def _clear(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False
