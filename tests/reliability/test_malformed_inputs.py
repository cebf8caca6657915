"""Malformed inputs through the convert command line: one `error: ...` line naming the problem, the
documented exit code, no traceback, serving_models/ untouched.

Most cases run through tests/reliability/cli_batch.py (convert.py's own parser, main and run_main,
one process for all cases: each CLI start costs 5-10 s of TF/torch import); a few also run as
separate scripts/convert.py processes to show both give the same result.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CliResult, ROOT, run_script, tree_snapshot
from tests.reliability.make_corpus import all_cases

pytestmark = pytest.mark.slow      # each case runs the convert command line in processes

SUBPROCESS_CASES = ("truncated_pt", "cycle", "nan_outputs", "shape_mismatch")


@pytest.fixture(scope="module")
def corpus(example_checkpoints, tmp_path_factory):
    base = tmp_path_factory.mktemp("malformed")
    root = base / "serving_models"
    (root / "existing" / "1" / "variables").mkdir(parents=True)   # a published model must stay untouched
    (root / "existing" / "1" / "saved_model.pb").write_bytes(b"keep")
    (root / "models.config").write_text("model_config_list {}\n")
    cases = all_cases(base / "files", example_checkpoints("TwoInTwoOut")["state_dict"])
    return base, root, cases


def _argv(case, root: Path) -> list[str]:
    return ["--checkpoint", str(case.checkpoint), "--name", "m", "--serving-root", str(root), *case.args]


def _check(case, result: CliResult, root: Path, before: list[str]) -> None:
    context = f"{case.label}: exit {result.code}\n{result.stderr[-3000:]}"
    assert result.code == case.code, context
    assert "Traceback" not in result.stderr, context
    line = result.last_error_line
    assert line.startswith("error: "), context
    lowered = line.lower()
    for word in case.words:
        assert word.lower() in lowered, context
    if case.any_words:
        assert any(word.lower() in lowered for word in case.any_words), context
    assert tree_snapshot(root) == before, f"{case.label}: serving_models/ changed"


def test_malformed_corpus_in_one_process(corpus):
    base, root, cases = corpus
    before = tree_snapshot(root)
    out = base / "batch"
    out.mkdir()
    (base / "cases.json").write_text(json.dumps([_argv(case, root) for case in cases]))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "tests.reliability.cli_batch", str(base / "cases.json"), str(out)],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    failures = []
    for index, case in enumerate(cases):
        result = CliResult(int((out / f"{index}.code").read_text()), (out / f"{index}.out").read_text(),
                           (out / f"{index}.err").read_text())
        try:
            _check(case, result, root, before)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("label", SUBPROCESS_CASES)
def test_malformed_through_real_cli(corpus, label):
    _base, root, cases = corpus
    case = next(c for c in cases if c.label == label)
    before = tree_snapshot(root)
    _check(case, run_script("convert.py", *_argv(case, root)), root, before)
