"""Three real conversions publishing the same model name at once: distinct versions, none lost."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, convert_args, read_report
from tests.reliability.conftest import assert_serving_root_consistent, numeric_versions, staging_folders

RUNS = 3


@pytest.mark.slow
def test_three_parallel_conversions_same_name(example_checkpoints, tmp_path):
    checkpoint = example_checkpoints("TwoInTwoOut")["state_dict"]
    root = tmp_path / "serving_models"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    processes = []
    for run in range(RUNS):       # each run is recognisable by its tolerance, recorded in its report
        args = convert_args("TwoInTwoOut", checkpoint, "two", root, "--seed", str(run),
                            "--atol", f"{(run + 1) * 1e-4:.4g}", "--json")
        processes.append(subprocess.Popen([sys.executable, str(ROOT / "scripts" / "convert.py"), *args],
                                          cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    summaries = []
    for process in processes:
        out, err = process.communicate(timeout=1800)
        assert process.returncode == 0, err[-3000:]
        summaries.append(json.loads(out))
    versions = [s["version"] for s in summaries]
    assert sorted(versions) == list(range(1, RUNS + 1)), versions
    assert numeric_versions(root / "two") == list(range(1, RUNS + 1))
    for run, summary in enumerate(summaries):
        report = read_report(root / "two" / str(summary["version"]))
        assert report["version"] == summary["version"]
        assert report["parity"]["atol"] == pytest.approx((run + 1) * 1e-4), (run, report["parity"]["atol"])
        assert report["parity"]["passed"]
    assert_serving_root_consistent(root, "two")
    assert staging_folders(root / "two") == []
    config_text = (root / "models.config").read_text()
    assert config_text.count('name: "two"') == 1, config_text
