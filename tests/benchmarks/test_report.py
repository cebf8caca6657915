"""The benchmark's target evaluation and report files, on synthetic timings (the benchmark itself is
run by hand: `benchmarks/run.py --quick` checks the harness end to end)."""
from __future__ import annotations

import json

from benchmarks.report import evaluate_targets, write_reports


def _entry(ours, ort, classic=None):
    latency = {"ours": {"1": {"median_ms": ours[0]}, "32": {"median_ms": ours[1]}},
               "onnxruntime": {"1": {"median_ms": ort[0]}, "32": {"median_ms": ort[1]}},
               "pytorch": {"1": {"median_ms": 9.0}, "32": {"median_ms": 90.0}}}
    if classic:
        latency["classic"] = {"1": {"median_ms": classic[0]}, "32": {"median_ms": classic[1]}}
    return {"latency": latency}


def test_cnn_targets_use_1_15_at_batch_1_and_1_0_at_batch_32():
    checks = evaluate_targets("cnn", _entry((11.4, 99.0), (10.0, 100.0)), 32)
    assert checks["ours/onnxruntime batch 1"] == {"ratio": 1.14, "limit": 1.15, "met": True}
    assert checks["ours/onnxruntime batch 32"]["met"]
    missed = evaluate_targets("cnn", _entry((12.0, 101.0), (10.0, 100.0), classic=(11.0, 120.0)), 32)
    assert not missed["ours/onnxruntime batch 1"]["met"] and not missed["ours/onnxruntime batch 32"]["met"]
    assert not missed["ours/classic batch 1"]["met"] and missed["ours/classic batch 32"]["met"]


def test_encoder_limit_and_reports_written(tmp_path):
    entry = _entry((12.4, 124.0), (10.0, 100.0))
    entry.update(kind="encoder", conversion={"ours": {"seconds": 3.0, "peak_rss_mb": 900.0}})
    entry["targets"] = evaluate_targets("encoder", entry, 32)
    assert all(t["met"] for t in entry["targets"].values())
    results = {"quick": True, "batch": 32, "runs": 5, "warmup": 2, "cpu_count": 2, "classic_note": "",
               "models": {"enc": entry}}
    paths = write_reports(results, tmp_path)
    assert json.loads(paths["json"].read_text())["models"]["enc"]["kind"] == "encoder"
    row = next(line for line in paths["markdown"].read_text().splitlines() if line.startswith("| enc |"))
    assert "| 1.24 | 1.24 |" in row and row.endswith("| met |")
    assert (tmp_path / "latest-quick.md").exists()


def test_machine_probe_spread_warns_above_ten_percent():
    from benchmarks.report import machine_probe_notes

    steady = machine_probe_notes({"before a": 10.0, "before b": 10.5, "end": 10.2})
    assert len(steady) == 1 and "spread 5%" in steady[0]
    drifting = machine_probe_notes({"before a": 10.0, "before b": 13.1, "end": 12.0})
    assert "spread 31%" in drifting[0] and "WARNING" in drifting[1]
    assert machine_probe_notes({}) == []


def test_alternating_timing_takes_turns_in_blocks():
    from benchmarks.measure import time_alternating

    import time

    order = []

    def call(name):
        order.append(name)
        time.sleep(0.02)

    timings = time_alternating({"a": lambda: call("a"), "b": lambda: call("b")}, warmup=2, runs=7, rounds=3)
    assert {name: t.runs for name, t in timings.items()} == {"a": 7, "b": 7}
    assert all(15 <= t.median_ms <= 200 for t in timings.values())
    import itertools

    blocks = [(name, len(list(group))) for name, group in itertools.groupby(order)]
    # the runtimes take turns: 2 warm-up + 3 timed calls, then twice (>= 50 ms of untimed calls) + 2 timed
    assert [name for name, _ in blocks] == ["a", "b"] * 3, blocks
    assert [n for _, n in blocks[:2]] == [5, 5] and all(n >= 1 + 2 for _, n in blocks[2:]), blocks


def test_variant_ratio_uses_the_onnxruntime_timing_taken_beside_it(tmp_path):
    entry = _entry((12.0, 120.0), (10.0, 100.0))
    entry.update(kind="cnn", conversion={"ours": {"seconds": 3.0, "peak_rss_mb": 900.0}})
    entry["variants"] = {
        "inter_op_1": {"1": {"median_ms": 11.0}, "32": {"median_ms": 99.0},
                       "onnxruntime": {"1": {"median_ms": 11.0}, "32": {"median_ms": 90.0}}},
        "legacy_result": {"1": {"median_ms": 11.0}, "32": {"median_ms": 99.0}},    # no ORT beside it
    }
    results = {"quick": True, "batch": 32, "runs": 5, "warmup": 2, "cpu_count": 2, "classic_note": "",
               "models": {"cnn": entry}}
    lines = write_reports(results, tmp_path)["markdown"].read_text().splitlines()
    assert "| cnn | inter_op_1 | 1.00 | 1.10 |" in lines
    assert "| cnn | legacy_result | 1.10 | 0.99 |" in lines
