"""The sharding examples of docs/convert-many.md, run as written (the shell expands the index, --dry-run
lists each shard's entries): the Kubernetes Indexed Job, the Slurm array and the GitHub Actions matrix each
cover every entry of a manifest exactly once. And docs/usage.md links the page."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "convert-many.md"
NAMES = ["resnet", "two", "encoder", "resnet", "lstm", "two_dict", "two", "gru", "resnet", "encoder", "vit", "bert"]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


@pytest.fixture
def workdir(tmp_path):
    """A manifest of 12 entries over 8 names (no checkpoints needed for --dry-run) and a `torch2serving` on
    PATH that runs this checkout."""
    entries = [{"name": name, "checkpoint": f"ckpt/{i}.pt", "input": ["x:float32:1x4"]} for i, name in enumerate(NAMES)]
    (tmp_path / "models.yaml").write_text(yaml.safe_dump({"models": entries}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "torch2serving"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m converter "$@"\n')
    shim.chmod(0o755)
    return tmp_path


def _run_shell(script: str, workdir: Path, variables: dict[str, str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{workdir / 'bin'}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(ROOT),
               TF_CPP_MIN_LOG_LEVEL="2", **variables)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=workdir, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _assert_covered_once(plans: list[dict]) -> None:
    seen = Counter(model["entry"] for plan in plans for model in plan["models"])
    assert sorted(seen) == list(range(1, len(NAMES) + 1)) and set(seen.values()) == {1}, seen
    owners = {}
    for number, plan in enumerate(plans):
        for model in plan["models"]:
            assert owners.setdefault(model["model"], number) == number


def test_the_kubernetes_indexed_job_covers_every_entry_once(workdir):
    [job] = [yaml.safe_load(block) for block in _blocks("yaml") if "kind: Job" in block]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["backoffLimit"] == 0
    count = spec["completions"]
    container = spec["template"]["spec"]["containers"][0]
    script = " ".join(container["args"])
    assert container["command"] == ["/bin/sh", "-c"] and f'--shard "${{JOB_COMPLETION_INDEX}}/{count}"' in script
    script = script.replace("/manifests/models.yaml", "models.yaml") + " --dry-run"
    plans = [json.loads(_run_shell(script, workdir, {"JOB_COMPLETION_INDEX": str(i)}).stdout) for i in range(count)]
    assert [plan["shard"] for plan in plans] == [f"{i}/{count}" for i in range(count)]
    _assert_covered_once(plans)


def test_the_slurm_array_covers_every_entry_once(workdir):
    [script] = [block for block in _blocks("bash") if "#SBATCH --array" in block]
    first, last = map(int, re.search(r"--array=(\d+)-(\d+)", script).groups())
    count = int(re.search(r'--shard "\$\{SLURM_ARRAY_TASK_ID\}/(\d+)"', script).group(1))
    assert (first, last) == (0, count - 1)
    plans = []
    for index in range(first, last + 1):
        _run_shell(script.replace("--json", "--json --dry-run"), workdir,
                   {"SLURM_ARRAY_TASK_ID": str(index), "SLURM_CPUS_PER_TASK": "2"})
        plans.append(json.loads((workdir / f"summary-{index}.json").read_text()))
    _assert_covered_once(plans)


def test_the_github_actions_matrix_covers_every_entry_once(workdir):
    [workflow] = [yaml.safe_load(block) for block in _blocks("yaml") if "strategy:" in block]
    job = workflow["jobs"]["convert"]
    shards = job["strategy"]["matrix"]["shard"]
    assert job["strategy"]["fail-fast"] is False and workflow["jobs"]["gather"]["needs"] == "convert"
    [step] = [step for step in job["steps"] if "convert-many" in step.get("run", "")]
    count = int(re.search(r"--shard \$\{\{ matrix.shard \}\}/(\d+)", step["run"]).group(1))
    assert shards == list(range(count))
    plans = []
    for shard in shards:
        script = step["run"].replace("${{ matrix.shard }}", str(shard)).replace("--json", "--json --dry-run")
        _run_shell(script, workdir, {})
        plans.append(json.loads((workdir / "summary.json").read_text()))
    _assert_covered_once(plans)


def test_usage_links_the_page():
    assert "(convert-many.md)" in (ROOT / "docs" / "usage.md").read_text()
