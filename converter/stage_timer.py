"""Stage timing and the progress lines: `[5/9] translate ... done in 1.2 s`."""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

progress = logging.getLogger("converter.progress")


class StageTimer:
    """Stage timing and progress lines: `[3/8] translate ... done in 1.2 s`. A stage may run in a child
    process while this process runs another (begin() and end() from the thread that follows the child)."""

    def __init__(self, stage_names: list[str]):
        self.stage_names = stage_names
        self.seconds: dict[str, float] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        self.begin(name, detail)
        try:
            yield
        except BaseException:
            self.end(name, done=False)
            raise
        self.end(name)

    def begin(self, name: str, detail: str = "") -> None:
        with self._lock:
            self._started[name] = time.perf_counter()
        progress.info("[%s/%d] %s%s ...", self._index(name), len(self.stage_names), name,
                      f" ({detail})" if detail else "")

    def end(self, name: str, done: bool = True) -> None:
        with self._lock:
            if name not in self._started or name in self.seconds:
                return
            self.seconds[name] = round(time.perf_counter() - self._started[name], 3)
        if done:
            progress.info("[%s/%d] %s done in %.1f s", self._index(name), len(self.stage_names), name,
                          self.seconds[name])

    def _index(self, name: str):
        return self.stage_names.index(name) + 1 if name in self.stage_names else "?"

    def follow_translation(self, backend: str):
        """An on_event callback for converter/translate/child.py: the translate and savedmodel stages'
        lines and timings from the TensorFlow process's events, as they arrive (the savedmodel stage ends
        when the pipeline has the SignatureSpec)."""
        def on_event(name: str) -> None:
            if name == "translating":
                self.begin("translate", f"backend {backend}")
            elif name == "translated":
                self.end("translate")
                self.begin("savedmodel")
        return on_event
