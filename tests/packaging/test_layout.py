"""Packaging rules that a grep can check: no sys.path edits outside scripts/ (the one scoped, documented
exception is --model-path), the library never imports from scripts/, pyproject's command and package data."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYS_PATH_EDIT = re.compile(r"sys\.path\s*(\.\s*(insert|append|extend|remove|pop|clear)\b|(\[[^\]]*\])?\s*\+?=(?!=))")
MODEL_PATH_SCOPE = ROOT / "converter" / "checkpoint" / "model_class.py"


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts]


def test_no_sys_path_edits_outside_the_model_path_scope():
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in _python_files("converter", "scripts", "benchmarks", "tests", "examples")
                 if path not in (MODEL_PATH_SCOPE, Path(__file__).resolve())
                 for number, line in enumerate(path.read_text().splitlines(), 1) if SYS_PATH_EDIT.search(line)]
    assert offenders == []
    scoped = [line for line in MODEL_PATH_SCOPE.read_text().splitlines() if SYS_PATH_EDIT.search(line)]
    assert len(scoped) == 2 and "insert" in scoped[0] and "remove" in scoped[1]     # put back in `finally`


def test_the_pattern_finds_what_it_should():
    for line in ("sys.path.insert(0, x)", "sys.path.append(x)", "sys.path[:0] = [x]", "sys.path += [x]",
                 "sys.path = []"):
        assert SYS_PATH_EDIT.search(line), line
    assert not SYS_PATH_EDIT.search("assert sys.path == before")


def test_the_library_never_imports_scripts():
    pattern = re.compile(r"^\s*(import _cli|from _cli |from scripts\b|import scripts\b)", re.M)
    assert [str(p.relative_to(ROOT)) for p in _python_files("converter") if pattern.search(p.read_text())] == []


def test_pyproject_command_and_package_data():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"torch2serving": "converter.cli.main:main"}
    from converter.cli.main import main

    assert callable(main)
    assert {"onnx-tf", "zoo", "dev"} <= set(project["project"]["optional-dependencies"])
    torch_range = next(d for d in project["project"]["dependencies"] if d.startswith("torch"))
    assert torch_range == "torch>=2.13,<2.15"
    data = project["tool"]["setuptools"]["package-data"]["converter.serving"]
    for pattern in data:
        assert list((ROOT / "converter" / "serving").glob(pattern)), pattern


def test_lower_bounds_are_the_pinned_versions():
    """Each runtime range starts at requirements.txt's pin: the set the suite runs on."""
    pins = dict(line.split("#")[0].strip().split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line.split("#")[0])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name, lower = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+),<", requirement).groups()
        assert pins[name].startswith(lower), (requirement, pins[name])


def test_ruff_is_clean():
    # beside this interpreter first: the pinned one of requirements.txt, whether or not the venv is on PATH
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pinned in requirements.txt, and in the [dev] extra): pip install 'ruff>=0.17,<0.18'")
    result = subprocess.run([ruff, "check", "converter", "scripts", "benchmarks", "tests", "examples"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
