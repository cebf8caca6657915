"""The parent's handle on one worker process (converter/many/worker.py): start it, send it an entry,
read what it says, kill it.

A thread per worker reads its output and puts (worker, message) on the run's one queue: protocol lines as
their JSON, other output as {"output": line} (also kept, the last few lines, for a crash message), and
{"event": "exit"} once the output ends (the worker exited or died).
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time

from converter.child import MARKER, _describe_exit, child_env, python_command   # the pipeline children's protocol

TAIL_LINES = 5


class WorkerProcess:
    def __init__(self, number: int, settings: dict, messages: queue.Queue):
        self.number = number
        self.spawned = time.monotonic()
        self.process = subprocess.Popen(python_command("converter.many.worker", json.dumps(settings)),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="replace", env=child_env(), bufsize=1)
        self.pid = self.process.pid
        self.ready = False
        self.entry = None                  # the entry it converts now
        self.entry_started = 0.0
        self.stage = ""                    # the pipeline stage it is in (from the progress lines)
        self.timed_out = False
        self.tail: list[str] = []
        self._messages = messages
        threading.Thread(target=self._read, name=f"worker-{number}-reader", daemon=True).start()

    @property
    def idle(self) -> bool:
        return self.ready and self.entry is None and self.process.poll() is None

    def send(self, entry) -> bool:
        """Give it `entry` to convert; False when it is gone (its exit message follows)."""
        self.entry, self.entry_started, self.stage = entry, time.monotonic(), "starting"
        try:
            self.process.stdin.write(json.dumps({"entry": entry.index, "argv": list(entry.argv)}) + "\n")
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def kill(self, timed_out: bool = False) -> None:
        self.timed_out = self.timed_out or timed_out
        if self.process.poll() is None:
            self.process.kill()

    def close(self, grace_seconds: float = 5.0) -> None:
        """End it: stdin closed (it finishes and exits), killed if it has not within the grace time."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def exit_description(self) -> str:
        """How it ended, for a crash message: `was killed by SIGKILL`, `exited with code 1`; last output."""
        returncode = self.process.wait()
        how = _describe_exit(returncode) if returncode else "exited"
        last = f"; last output: {self.tail[-1][:300]}" if self.tail else ""
        return f"{how}{last}"

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith(MARKER):
                try:
                    self._messages.put((self, json.loads(line[len(MARKER):])))
                    continue
                except json.JSONDecodeError:
                    pass
            if line.strip():
                self.tail = (self.tail + [line.rstrip()])[-TAIL_LINES:]
                self._messages.put((self, {"output": line.rstrip()}))
        self.process.stdout.close()
        self._messages.put((self, {"event": "exit"}))


def available_cpus() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 CPU quota (a container's
    limit, which the affinity does not show)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:           # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)
