"""What a long-lived worker must not carry from one entry to the next, and the summary of a run's outcomes."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from converter.checkpoint.model_class import importable_from
from converter.many.outcome import Outcome, outcome_from_worker, run_exit_code, summary_dict, summary_table
from converter.many.worker import forget_model_modules

ROOT = Path(__file__).resolve().parents[2]


def test_the_next_entrys_model_module_comes_from_its_own_model_path(tmp_path):
    for number in (1, 2):
        folder = tmp_path / f"project{number}"
        folder.mkdir()
        (folder / "many_test_net.py").write_text(f"VALUE = {number}\n")
        (folder / "many_test_helper.py").write_text("import many_test_net\n")
    try:
        before = set(sys.modules)
        with importable_from(tmp_path / "project1"):
            assert importlib.import_module("many_test_helper").many_test_net.VALUE == 1
        assert sorted(forget_model_modules(before, tmp_path / "project1")) == ["many_test_helper", "many_test_net"]
        with importable_from(tmp_path / "project2"):
            assert importlib.import_module("many_test_net").VALUE == 2     # not entry 1's cached module
    finally:
        sys.modules.pop("many_test_net", None)
        sys.modules.pop("many_test_helper", None)


def test_our_package_and_installed_ones_are_never_forgotten():
    import converter.many.shard  # noqa: F401
    import yaml

    before = set(sys.modules) - {"converter.many.shard", "yaml"}      # as if imported during the entry
    assert forget_model_modules(before, ROOT) == []                    # --model-path . in the checkout
    assert forget_model_modules(before, Path(yaml.__file__).parents[1]) == []
    assert "converter.many.shard" in sys.modules and "yaml" in sys.modules


def _outcomes() -> list[Outcome]:
    return [outcome_from_worker(1, "a", 1, {"exit_code": 0, "version": 3, "version_dir": "/r/a/3", "seconds": 12.5,
                                            "parity_max_abs": 1.5e-7}),
            outcome_from_worker(2, "b", 2, {"exit_code": 1, "message": "parity failure: logits differ\nmore", "seconds": 9}),
            Outcome(3, "c", "crashed", 4, 3.0, worker=1, message="its worker (pid 7) was killed by SIGKILL")]


def test_the_exit_code_is_the_highest_of_the_failed_entries():
    outcomes = _outcomes()
    assert [o.exit_class for o in outcomes] == ["ok", "parity", "crashed"]
    assert run_exit_code(outcomes) == 4 and run_exit_code(outcomes[:2]) == 1 and run_exit_code(outcomes[:1]) == 0
    assert run_exit_code(outcomes[:1], interrupted=True) == 130


def test_the_summary_table_and_json():
    outcomes = _outcomes()
    table = summary_table(outcomes)
    lines = table.splitlines()
    assert lines[2].split() == ["1", "a", "3", "ok", "1.5e-07", "12.5"]
    assert lines[3].split()[:5] == ["2", "b", "-", "parity", "-"] and lines[3].endswith("logits differ")
    assert "was killed by SIGKILL" in lines[4] and lines[-1] == "1 of 3 published, 2 failed"
    summary = summary_dict(outcomes, [], seconds=30.0, shard="1/4")
    assert summary["status"] == "failed" and summary["exit_code"] == 4 and summary["shard"] == "1/4"
    assert (summary["entries"], summary["published"], summary["failed"]) == (3, 1, 2)
    assert summary["models"][0] == {"entry": 1, "model": "a", "exit_class": "ok", "exit_code": 0, "seconds": 12.5,
                                    "version": 3, "version_dir": "/r/a/3", "parity_max_abs": 1.5e-7, "worker": 1,
                                    "message": ""}
