"""benchmarks/convert_many.py's report from a run's numbers (no conversion here)."""
from __future__ import annotations

from benchmarks.convert_many import import_reuse, markdown


def _results() -> dict:
    summary = {"models": [{"entry": 1, "seconds": 30.5, "version": 1, "parity_max_abs": 1.2e-7},
                          {"entry": 2, "seconds": 12.0, "version": 2, "parity_max_abs": 1.2e-7},
                          {"entry": 3, "seconds": 33.0, "version": 1, "parity_max_abs": 2e-7}],
               "workers": [{"worker": 1, "startup_seconds": 11.5, "conversions": [
                               {"entry": 1, "seconds": 30.5}, {"entry": 2, "seconds": 12.0}]},
                           {"worker": 2, "startup_seconds": 11.9, "conversions": [{"entry": 3, "seconds": 33.0}]}]}
    runs = [{"entry": i, "model": m, "wall_seconds": w, "exit_code": 0, "version": v, "parity_max_abs": 1e-7}
            for i, m, w, v in ((1, "two", 31.0, 1), (2, "two", 30.0, 2), (3, "resnet", 36.0, 1))]
    return {"stamp": "20261206-220000", "cpus": 2, "workers": 2, "entries": 3, "names": 2,
            "convert_many": {"wall_seconds": 48.0, "exit_code": 0, "load_before": [1.0, 1.1, 1.2],
                             "load_after": [1.5, 1.2, 1.2], "summary": summary},
            "single_runs": {"runs": runs, "wall_seconds": 97.0, "load_before": [1.4, 1.2, 1.2],
                            "load_after": [1.1, 1.2, 1.2]},
            "ratio": 48.0 / 97.0, "target_met": True, "import_reuse": import_reuse(summary)}


def test_import_reuse_compares_each_workers_first_conversion_with_its_later_ones():
    rows = import_reuse(_results()["convert_many"]["summary"])
    assert rows[0] == {"worker": 1, "startup_seconds": 11.5, "first_seconds": 30.5, "later_mean_seconds": 12.0,
                       "later_seconds": [12.0], "entries": [1, 2]}
    assert rows[1]["later_mean_seconds"] is None and rows[1]["entries"] == [3]


def test_markdown_names_both_wall_times_the_ratio_and_the_load():
    text = markdown(_results())
    assert "convert-many --workers 2: **48.0 s**" in text and "**97.0 s** wall in total" in text
    assert "ratio convert-many / sum of singles: **0.49** (target < 0.5: met)" in text
    assert "before convert-many [1.0, 1.1, 1.2], after [1.5, 1.2, 1.2]; single runs: half of them before" in text
    assert "| 1 | 11.5 | 1, 2 | 30.5 | 12.0 (12.0) |" in text
    assert "| 2 | two | 30.0 | 12.0 | 2 / 2 | 1.2e-07 / 1e-07 |" in text
