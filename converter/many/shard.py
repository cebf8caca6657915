"""--shard I/N: the I-th of N deterministic slices of a manifest, for engines that fan out by index
(a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, a Slurm array's SLURM_ARRAY_TASK_ID, a CI matrix).

All entries of one model name land in the same slice, in manifest order, so that only one machine publishes
versions of a model and they follow the manifest. The slices are balanced by entry count: the names' groups,
largest first (ties: the earlier first entry), each go to the slice holding the fewest entries so far (ties:
the lower index). The result depends only on the manifest's list of names, so every machine reading the same
manifest computes the same slices without talking to the others, and together they cover every entry once.
"""
from __future__ import annotations

import re
from typing import Sequence, TypeVar

from converter.errors import BadInputError

Entry = TypeVar("Entry")      # anything with .index (manifest position) and .name


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` -> (I, N), I counting from 0 to N-1 (as JOB_COMPLETION_INDEX and a 0-based array do)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise BadInputError(f"--shard {text!r}: expected I/N, e.g. 0/4 (slice I of N, I from 0 to N-1)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise BadInputError(f"--shard {text!r}: I must be between 0 and N-1 and N at least 1 "
                            f"(the shards of 4 are 0/4, 1/4, 2/4 and 3/4)")
    return index, count


def shard_of_names(names: Sequence[str], count: int) -> list[int]:
    """The slice (0..count-1) of each position of `names` (the manifest's names in order)."""
    groups: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        groups.setdefault(name, []).append(position)
    loads = [0] * count
    slices = [0] * len(names)
    for positions in sorted(groups.values(), key=lambda group: (-len(group), group[0])):
        target = min(range(count), key=lambda s: (loads[s], s))
        loads[target] += len(positions)
        for position in positions:
            slices[position] = target
    return slices


def select_shard(entries: Sequence[Entry], index: int, count: int) -> list[Entry]:
    """The entries of slice `index` of `count`, in manifest order."""
    slices = shard_of_names([entry.name for entry in entries], count)
    return [entry for entry, target in zip(entries, slices) if target == index]
