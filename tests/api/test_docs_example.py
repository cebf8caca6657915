"""docs/api.md's example, run as a doctest in a fresh folder (it publishes serving_models/tiny/1 there)."""
from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_docs_api_example_runs_as_written(tmp_path, monkeypatch):
    block = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(block, {}, "docs/api.md", str(ROOT / "docs" / "api.md"), 0)
    assert len(test.examples) >= 8
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    assert (tmp_path / "serving_models" / "tiny" / "1" / "saved_model.pb").is_file()
