"""--shard I/N: every entry in exactly one slice for every N, names kept together and in order, balanced,
the same on every machine; and the schedule that keeps one model's versions in manifest order."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from converter.errors import BadInputError
from converter.many.schedule import Schedule
from converter.many.shard import parse_shard, select_shard, shard_of_names


@dataclass(frozen=True)
class Item:
    index: int
    name: str

    @property
    def model_dir(self) -> Path:
        return Path("/root") / self.name


def _items(names: list[str]) -> list[Item]:
    return [Item(i, name) for i, name in enumerate(names, 1)]


MANIFESTS = {
    "distinct": [f"m{i}" for i in range(10)],
    "repeated": ["resnet", "bert", "resnet", "mlp", "gru", "bert", "resnet", "lstm", "mlp", "vit"],
    "one name": ["same"] * 6,
    "random": [random.Random(7).choice("abcdefg") for _ in range(40)],
}


@pytest.mark.parametrize("manifest", MANIFESTS, ids=list(MANIFESTS))
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_the_shards_cover_every_entry_exactly_once(manifest, count):
    items = _items(MANIFESTS[manifest])
    shards = [select_shard(items, index, count) for index in range(count)]
    seen = Counter(item.index for shard in shards for item in shard)
    assert sorted(seen) == [item.index for item in items] and set(seen.values()) == {1}
    for shard in shards:
        assert [item.index for item in shard] == sorted(item.index for item in shard)   # manifest order
    owners = {}
    for number, shard in enumerate(shards):
        for item in shard:
            assert owners.setdefault(item.name, number) == number       # a name lives in one shard
    names = Counter(MANIFESTS[manifest])
    if count <= len(names):       # balanced: no shard above the fair share plus the largest group
        assert max(len(s) for s in shards) <= -(-len(items) // count) + max(names.values())
        assert all(shards)


def test_the_slices_are_a_function_of_the_names_alone():
    names = MANIFESTS["repeated"]
    assert shard_of_names(names, 4) == shard_of_names(list(names), 4)
    # resnet (3), bert (2), mlp (2) first, each to the emptiest shard; then gru, lstm, vit in order
    assert shard_of_names(names, 3) == [0, 1, 0, 2, 1, 1, 0, 2, 2, 0]      # loads 4, 3, 3


@pytest.mark.parametrize("text, expected", [("0/1", (0, 1)), ("3/4", (3, 4)), (" 2 / 5 ", (2, 5))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["4/4", "1/0", "-1/4", "1", "a/b", "", "1/4/2"])
def test_bad_shards_are_one_line_errors(text):
    with pytest.raises(BadInputError, match=r"--shard .*(expected I/N|between 0 and N-1)"):
        parse_shard(text)


def test_the_schedule_keeps_a_models_entries_in_order_and_starts_the_longest_chain_first():
    items = _items(["a", "b", "a", "c", "a", "b"])
    schedule = Schedule(items)
    first = schedule.take()
    assert first.name == "a" and first.index == 1           # a has 3 entries left: its chain goes first
    second = schedule.take()
    assert second.index == 2                                 # b (2 left); a's next waits for entry 1
    third = schedule.take()
    assert third.index == 4                                  # c; entries 3, 5 (a) and 6 (b) wait
    assert schedule.take() is None
    schedule.done(first)
    assert schedule.take().index == 3
    schedule.done(second)
    assert schedule.take().index == 6
    assert schedule.take() is None and not schedule.finished()
    assert [i.index for i in schedule.drain()] == [5]


def test_the_schedule_order_of_one_model_is_the_manifests_whatever_the_finishing_order():
    items = _items([random.Random(3).choice("abc") for _ in range(30)])
    schedule = Schedule(items)
    running, started = [], []
    rng = random.Random(5)
    while not schedule.finished():
        while len(running) < 3 and (item := schedule.take()) is not None:
            running.append(item)
            started.append(item)
        done = running.pop(rng.randrange(len(running)))
        schedule.done(done)
    assert sorted(i.index for i in started) == [i.index for i in items]
    for name in "abc":
        assert [i.index for i in started if i.name == name] == [i.index for i in items if i.name == name]
