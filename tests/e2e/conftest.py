"""Helpers for end-to-end tests: example checkpoints of every format, and the convert CLI in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def last_error_line(self) -> str:
        lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


def run_script(script: str, *args: str, timeout: int = 900) -> CliResult:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    process = subprocess.run([sys.executable, str(ROOT / "scripts" / script), *map(str, args)],
                             capture_output=True, text=True, cwd=str(ROOT), env=env, timeout=timeout)
    return CliResult(process.returncode, process.stdout, process.stderr)


def convert_args(example: str, checkpoint: Path, name: str, serving_root: Path, *extra: str) -> list[str]:
    """The convert.py arguments for an example model (inputs, outputs, ranges from examples.models)."""
    from examples.models import EXAMPLES

    spec = EXAMPLES[example]
    args = ["--checkpoint", str(checkpoint), "--name", name, "--serving-root", str(serving_root)]
    if checkpoint.name in ("state_dict.pt", "train_loop.pth"):
        args += ["--model-class", spec.model_class]
    for text in spec.inputs:
        args += ["--input", text]
    for input_name, (low, high) in spec.input_ranges.items():
        args += ["--input-range", f"{input_name}:{low}:{high}"]
    for output in spec.outputs:
        args += ["--output", output]
    return args + list(extra)


def read_report(version_dir: Path) -> dict:
    return json.loads((version_dir / "assets.extra" / "conversion_report.json").read_text())


def tree_snapshot(root: Path) -> list[str]:
    """Every path below root, to prove a failed run left nothing behind."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture(scope="session")
def example_checkpoints(tmp_path_factory):
    """example name -> {format label -> checkpoint path}, written once per test session."""
    from examples.make_checkpoints import write_checkpoints

    cache: dict[str, dict[str, Path]] = {}

    def get(example: str) -> dict[str, Path]:
        if example not in cache:
            cache[example] = write_checkpoints(example, tmp_path_factory.mktemp(example))
        return cache[example]
    return get
