"""convert-many's progress display: one line per event off a terminal, a status line on one."""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass
from types import SimpleNamespace

from converter.cli.progress import ProgressDisplay
from converter.many.outcome import Outcome


@dataclass
class Entry:
    index: int
    name: str

    @property
    def label(self) -> str:
        return f"entry {self.index} ({self.name})"


def _worker(number: int, entry=None, stage: str = "") -> SimpleNamespace:
    return SimpleNamespace(number=number, pid=100 + number, entry=entry, stage=stage, entry_started=time.monotonic(),
                           process=SimpleNamespace(poll=lambda: None))


def test_lines_for_a_log_file():
    out = io.StringIO()
    display = ProgressDisplay(3, out, live=False)
    entry = Entry(2, "bert")
    worker = _worker(1, entry, "translate")
    display.started(entry, worker)
    display.stage(entry, worker)
    display.log(entry, worker, logging.INFO, "not shown")
    display.log(entry, worker, logging.WARNING, "CancelTransposesPass: graph left as it was")
    display.finished(Outcome(2, "bert", "ok", 0, 12.34, version=3, parity_max_abs=2.5e-7, worker=1))
    display.finished(Outcome(1, "resnet", "parity", 1, 5.0, worker=2, message="parity failure: logits\ntable"))
    assert out.getvalue().splitlines() == [
        "entry 2 (bert): started on worker 1 (pid 101)",
        "entry 2 (bert): translate",
        "entry 2 (bert): CancelTransposesPass: graph left as it was",
        "entry 2 (bert): published version 3 in 12.3 s, parity max abs 2.5e-07 [1 done, 0 failed, 2 remaining]",
        "entry 1 (resnet): FAILED (parity, exit code 1): parity failure: logits [1 done, 1 failed, 1 remaining]"]


def test_a_status_line_on_a_terminal():
    out = io.StringIO()
    display = ProgressDisplay(2, out, live=True, quiet=True)
    entry = Entry(1, "resnet")
    busy, idle = _worker(1, entry, "verify"), _worker(2)
    display.started(entry, busy)
    display.worker_ready(idle, 8.0)
    display.stage(entry, busy)
    text = out.getvalue()
    assert "started on" not in text and "\n" not in text          # quiet: no event lines, only the status
    assert text.rsplit("\r\x1b[K", 1)[1] == "0 done, 0 failed, 2 remaining | w1 resnet: verify 0s | w2 idle"
    display.finished(Outcome(1, "resnet", "ok", 0, 3.0, version=1))
    display.close()
    lines = out.getvalue().split("\r\x1b[K")
    assert lines[-3].startswith("entry 1 (resnet): published version 1") and lines[-1] == ""   # cleared at the end
