"""Which entry a free worker takes next.

Entries that publish into the same model folder run one after the other in manifest order, so their
versions follow the manifest (an entry waits while an earlier one of its model is pending or running).
Among the entries free to start, the one whose model has the most entries left goes first (its chain is
the longest serial part of the run), then the earlier in the manifest.
"""
from __future__ import annotations

from collections import Counter
from typing import Hashable, Sequence


class Schedule:
    def __init__(self, entries: Sequence, key=lambda entry: entry.model_dir):
        self._pending = list(entries)            # manifest order
        self._key = key
        self._running: set[Hashable] = set()

    @property
    def pending(self) -> list:
        return list(self._pending)

    def finished(self) -> bool:
        return not self._pending and not self._running

    def take(self):
        """The next entry to start (removed from the pending ones), or None when every candidate waits."""
        left = Counter(self._key(entry) for entry in self._pending)
        blocked = set(self._running)
        candidates = []
        for position, entry in enumerate(self._pending):
            key = self._key(entry)
            if key not in blocked:
                candidates.append((-left[key], position, entry))
            blocked.add(key)           # later entries of this model wait for this one
        if not candidates:
            return None
        _, position, entry = min(candidates, key=lambda item: item[:2])
        del self._pending[position]
        self._running.add(self._key(entry))
        return entry

    def done(self, entry) -> None:
        """`entry` (taken earlier) has finished, whatever its outcome: the next of its model may start."""
        self._running.discard(self._key(entry))

    def drain(self) -> list:
        """Every pending entry (none will start now), in manifest order."""
        pending, self._pending = self._pending, []
        return pending
