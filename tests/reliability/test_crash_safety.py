"""SIGKILL at many points of publishing: serving_models/ only ever holds complete versions.

(a) 30+ kills of tests/reliability/publish_worker.py (the pipeline from create_staging on, without
TensorFlow), at every injected crash point and at delays spread over its measured run time.
(b) 3 kills of the real scripts/convert.py at its export, verify and publish stages.
After each kill the serving root is checked; at the end every published version is loaded the TF
Serving way (TF1 session, tag serve) and compared with the PyTorch model.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.e2e.conftest import ROOT, convert_args
from tests.reliability.conftest import assert_serving_root_consistent, numeric_versions, staging_folders
from tests.reliability.publish_worker import CRASH_POINTS

NAME = "two"
DELAY_KILLS = 22


def _worker(root: Path, prebuilt: Path, tag: str, crash_at: str = "") -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.publish_worker", str(root), NAME,
                             str(prebuilt), tag, crash_at], cwd=str(ROOT), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_ready(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.strip() == "ready", (line, process.stderr.read()[-2000:] if process.poll() is not None else "")


def _run_to_end(root: Path, prebuilt: Path, tag: str) -> float:
    """One uninterrupted worker run; returns the seconds from 'ready' to exit."""
    process = _worker(root, prebuilt, tag)
    _wait_ready(process)
    start = time.monotonic()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return time.monotonic() - start


def _check_after_kill(root: Path, prebuilt: Path) -> None:
    assert_serving_root_consistent(root, NAME, prebuilt)
    leftovers = staging_folders(root / NAME)
    # each run removes the staging folders of dead runs before creating its own
    assert len(leftovers) <= 1, leftovers
    for folder in leftovers:
        assert not folder.name.isdigit()


def _torch_outputs(checkpoint: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from examples.models import TwoInTwoOut

    model = TwoInTwoOut()
    model.load_state_dict(torch.load(checkpoint, weights_only=True))
    model.eval()
    with torch.no_grad():
        scores, features = model(torch.from_numpy(feeds["x"]), torch.from_numpy(feeds["y"]))
    return {"scores": scores.numpy(), "features": features.numpy()}


def _load_all_tf_serving_way(version_dirs: list[Path], feeds: dict[str, np.ndarray], work: Path) -> list[dict]:
    """The first version through converter.verify.session_runner.run_in_subprocess, all of them in one
    TF1-session process (one TensorFlow start-up instead of one per version)."""
    from converter.verify.session_runner import run_in_subprocess

    first = run_in_subprocess(version_dirs[0], "serving_default", [feeds])[0]
    np.savez(work / "feeds.npz", **feeds)
    script = ("import sys, numpy as np\n"
              "from converter.verify.session_runner import run_in_session\n"
              "feeds = dict(np.load(sys.argv[1]))\n"
              "for i, d in enumerate(sys.argv[3:]):\n"
              "    np.savez(f'{sys.argv[2]}/out{i}.npz', **run_in_session(d, 'serving_default', [feeds])[0])\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", script, str(work / "feeds.npz"), str(work),
                           *map(str, version_dirs)], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = [dict(np.load(work / f"out{i}.npz")) for i in range(len(version_dirs))]
    for key in first:
        np.testing.assert_array_equal(first[key], outputs[0][key])
    return outputs


def _assert_versions_match_model(root: Path, checkpoint: Path, work: Path) -> int:
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((3, 8)).astype(np.float32), "y": rng.standard_normal((3, 4)).astype(np.float32)}
    expected = _torch_outputs(checkpoint, feeds)
    dirs = [root / NAME / str(v) for v in numeric_versions(root / NAME)]
    assert dirs
    for folder, outputs in zip(dirs, _load_all_tf_serving_way(dirs, feeds, work)):
        for key, value in expected.items():
            np.testing.assert_allclose(outputs[key], value, atol=1e-5, rtol=1e-4, err_msg=str(folder))
    return len(dirs)


@pytest.mark.slow
def test_sigkill_during_publish_30_points(converted_two, tmp_path):
    prebuilt = converted_two["version_dir"]
    root = tmp_path / "serving_models"
    # the shortest of three uninterrupted runs (each publishes a version): the timed kills are spread
    # over 80% of it, so that they land while the worker is still publishing
    duration = min(_run_to_end(root, prebuilt, f"measure-{i}") for i in range(3))
    kills = 0
    for point in CRASH_POINTS:                                  # every injected crash point, twice
        for repeat in range(2):
            process = _worker(root, prebuilt, f"{point}-{repeat}", point)
            _wait_ready(process)
            process.communicate(timeout=120)
            assert process.returncode == -signal.SIGKILL, (point, process.returncode)
            kills += 1
            _check_after_kill(root, prebuilt)
    for index in range(DELAY_KILLS):                           # delays spread over the measured run
        process = _worker(root, prebuilt, f"delay-{index}")
        _wait_ready(process)
        time.sleep(0.8 * duration * index / (DELAY_KILLS - 1))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=120)
        kills += process.returncode == -signal.SIGKILL
        _check_after_kill(root, prebuilt)
    print(f"crash safety: {kills} kills landed ({2 * len(CRASH_POINTS)} injected, {DELAY_KILLS} by delay, "
          f"run measured at {duration:.3f} s)")
    assert kills >= 30, kills
    _run_to_end(root, prebuilt, "clean-up")                     # a later run cleans the dead runs' staging
    assert staging_folders(root / NAME) == []
    assert list(root.glob(".models.config.*")) == []           # nor temp files of a killed models.config write
    assert_serving_root_consistent(root, NAME, prebuilt)
    config_text = (root / "models.config").read_text()
    assert config_text.count('name: "two"') == 1
    assert _assert_versions_match_model(root, converted_two["checkpoint"], tmp_path) >= 2


STAGE_MARKERS = ("export", "verify", "publish")      # progress lines "[i/n] <stage> ..."


@pytest.mark.slow
@pytest.mark.parametrize("marker", STAGE_MARKERS)
def test_sigkill_real_cli(converted_two, tmp_path, marker):
    """Kill the whole process group of a real conversion as soon as it logs the start of a stage."""
    import shutil

    root = tmp_path / "serving_models"
    shutil.copytree(converted_two["root"], root)               # version 1 already published
    args = convert_args("TwoInTwoOut", converted_two["checkpoint"], NAME, root)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "convert.py"), *args], cwd=str(ROOT),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("[") and line.split("] ", 1)[-1].startswith(f"{marker} "):
            if marker == "export":
                time.sleep(3)                                  # inside the export, not at its first line
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    assert_serving_root_consistent(root, NAME)
    assert all(not f.name.isdigit() for f in staging_folders(root / NAME))
    # a later run (the TF-free worker: same create_staging) removes the dead run's staging folder
    worker = subprocess.run([sys.executable, "-m", "tests.reliability.publish_worker", str(root), NAME,
                             str(converted_two["version_dir"]), "after-kill"], cwd=str(ROOT), env=env,
                            capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert staging_folders(root / NAME) == []
    assert_serving_root_consistent(root, NAME)
    assert _assert_versions_match_model(root, converted_two["checkpoint"], tmp_path) >= 2


@pytest.mark.slow
def test_sigkill_parent_only_while_the_translate_child_writes(converted_two, tmp_path):
    """Kill only the converting process (not its group) while its translate child writes the SavedModel
    into the staging folder: the child must die with it (PR_SET_PDEATHSIG) and leave no numeric folder."""
    import shutil

    import psutil

    root = tmp_path / "serving_models"
    shutil.copytree(converted_two["root"], root)
    args = convert_args("TwoInTwoOut", converted_two["checkpoint"], NAME, root)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "convert.py"), *args], cwd=str(ROOT),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    children, seen = [], []
    try:
        for line in process.stderr:
            seen.append(line)
            if line.startswith("[") and line.split("] ", 1)[-1].startswith("savedmodel "):
                children = psutil.Process(process.pid).children(recursive=True)
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=120)
        assert process.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
        assert children, "no translate child was running during the savedmodel stage"
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"children outlived the killed parent: {alive}"
    finally:
        os.killpg(process.pid, signal.SIGKILL) if process.poll() is None else None
        for child in children:
            if child.is_running():
                child.kill()
    assert_serving_root_consistent(root, NAME)
    assert numeric_versions(root / NAME) == [1]
    staged = staging_folders(root / NAME)
    assert all(not f.name.isdigit() for f in staged)
    # the child died with the parent instead of finishing the SavedModel it had begun (milliseconds
    # before the kill): saved_model.pb is the last file tf.saved_model.save writes
    assert not [f for f in staged if (f / "saved_model.pb").exists()], staged
