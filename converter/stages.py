"""Stage timing and progress lines: `[3/8] translate ... done in 1.2 s`."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager

logger = logging.getLogger("converter.progress")


class StageTimer:
    def __init__(self, stage_names: list[str]):
        self.stage_names = stage_names
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        index = self.stage_names.index(name) + 1 if name in self.stage_names else "?"
        logger.info("[%s/%d] %s%s ...", index, len(self.stage_names), name, f" ({detail})" if detail else "")
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)
        logger.info("[%s/%d] %s done in %.1f s", index, len(self.stage_names), name, self.seconds[name])
