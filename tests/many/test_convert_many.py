"""torch2serving convert-many end to end: example models with 2 workers, one worker's entries in the same
TensorFlow and serving processes, a worker killed (SIGKILL) in the middle of an entry, and a malformed
manifest refused before any worker starts."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from examples.make_manifest import PROJECT_ROOT, manifest_entry
from tests.e2e.conftest import convert_args, example_checkpoints, read_report  # noqa: F401  (fixture re-export)
from tests.reliability.conftest import assert_serving_root_consistent, numeric_versions, staging_folders

yaml = pytest.importorskip("yaml")


def _manifest(folder: Path, entries: list[dict]) -> Path:
    path = folder / "models.yaml"
    path.write_text(yaml.safe_dump({"defaults": {"model_path": str(PROJECT_ROOT), "serving_root": "served"},
                                    "models": entries}, sort_keys=False))
    return path


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "converter", "convert-many", *map(str, args)]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), TF_CPP_MIN_LOG_LEVEL="2")


def _processes_started_by(pid: int, wait_seconds: float = 10.0) -> list[int]:
    """Live processes that `pid` started as our children (converter.child.child_env names it in their
    environment), after up to `wait_seconds` for them to go."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if f"CONVERTER_PARENT_PID={pid}\0".encode() in environ.read_bytes():   # a zombie's is empty
                    found.append(int(environ.parent.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.mark.slow
def test_a_manifest_of_example_models_converts_with_two_workers(tmp_path, example_checkpoints):  # noqa: F811
    two, resnet = example_checkpoints("TwoInTwoOut"), example_checkpoints("TinyResNet")
    manifest = _manifest(tmp_path, [
        manifest_entry("two", "TwoInTwoOut", two["state_dict"], "state_dict"),
        manifest_entry("resnet", "TinyResNet", resnet["state_dict"], "state_dict"),
        manifest_entry("two", "TwoInTwoOut", two["traced"], "traced"),
        manifest_entry("two_onnx", "TwoInTwoOut", two["onnx"], "onnx"),
    ])
    done = subprocess.run(_command(manifest, "--workers", 2, "--json"), capture_output=True, text=True,
                          cwd=tmp_path, env=_env(), timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    summary = json.loads(done.stdout)
    assert (summary["status"], summary["published"], summary["failed"]) == ("published", 4, 0)
    root = tmp_path / "served"
    by_entry = {m["entry"]: m for m in summary["models"]}
    assert [(by_entry[i]["model"], by_entry[i]["version"]) for i in (1, 2, 3, 4)] == \
        [("two", 1), ("resnet", 1), ("two", 2), ("two_onnx", 1)]             # same name: manifest order
    assert read_report(root / "two" / "1")["source"]["format"] == "state_dict"
    assert read_report(root / "two" / "2")["source"]["format"] == "torchscript"
    for model in summary["models"]:
        assert model["exit_class"] == "ok" and model["seconds"] > 0 and Path(model["version_dir"]).is_dir()
        report = read_report(Path(model["version_dir"]))
        assert report["parity"]["passed"]
        worst = max(row["max_abs"] for row in report["parity"]["rows"])
        assert model["parity_max_abs"] == pytest.approx(worst) and worst < 1e-4
    for name in ("two", "resnet", "two_onnx"):
        assert_serving_root_consistent(root, name)
        assert staging_folders(root / name) == []
    config = (root / "models.config").read_text()
    assert all(f'name: "{name}"' in config for name in ("two", "resnet", "two_onnx"))
    workers = summary["workers"]
    assert len(workers) == 2 and all(w["startup_seconds"] > 0 and w["exit"] == "" for w in workers)
    assert sorted(c["entry"] for w in workers for c in w["conversions"]) == [1, 2, 3, 4]
    assert max(len(w["conversions"]) for w in workers) >= 2              # a worker reused its imports
    assert "entry 3 (two): started on worker" in done.stderr and "entry 3 (two): verify" in done.stderr
    assert "4 of 4 published, 0 failed" in done.stderr                  # the table (stderr with --json)


@pytest.mark.slow
def test_one_workers_entries_share_its_tensorflow_and_serving_processes(tmp_path, example_checkpoints):  # noqa: F811
    """TensorFlow is imported once per worker: its second entry is converted by the TensorFlow and serving
    processes its first entry started (the same pids; no start-up in its report), with parity; its children
    end with it."""
    two, resnet = example_checkpoints("TwoInTwoOut"), example_checkpoints("TinyResNet")
    manifest = _manifest(tmp_path, [manifest_entry("two", "TwoInTwoOut", two["state_dict"], "state_dict"),
                                    manifest_entry("resnet", "TinyResNet", resnet["state_dict"], "state_dict")])
    done = subprocess.run(_command(manifest, "--workers", 1, "--json", "--verbose"), capture_output=True, text=True,
                          cwd=tmp_path, env=_env(), timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    summary = json.loads(done.stdout)
    processes = re.findall(r"^entry (\d) \(\w+\): (tensorflow|serving) process: pid (\d+), (started|kept)",
                           done.stderr, re.MULTILINE)
    tensorflow, serving = (pid for _, kind, pid, _ in processes[:2])
    assert processes == [("1", "tensorflow", tensorflow, "started"), ("1", "serving", serving, "started"),
                         ("2", "tensorflow", tensorflow, "kept"), ("2", "serving", serving, "kept")]
    first, second = (read_report(tmp_path / "served" / name / "1") for name in ("two", "resnet"))
    assert {"tensorflow process start-up", "serving process start-up"} <= set(first["process_seconds"])
    assert not any(key.endswith("process start-up") for key in second["process_seconds"])
    for model in summary["models"]:
        assert model["exit_class"] == "ok" and model["parity_max_abs"] < 1e-4
        assert read_report(Path(model["version_dir"]))["parity"]["passed"]
    assert _processes_started_by(summary["workers"][0]["pid"]) == []      # closed when the worker ended


@pytest.mark.slow
def test_the_worker_process_never_imports_tensorflow(tmp_path, example_checkpoints):  # noqa: F811
    """Its TensorFlow child does: the worker imports torch and the pipeline only, also while converting."""
    entry = {"entry": 1, "argv": convert_args("TwoInTwoOut", example_checkpoints("TwoInTwoOut")["onnx"], "two",
                                              tmp_path / "served")}
    script = ("import io, json, sys\n"
              "from converter.many.worker import main\n"
              f"sys.stdin = io.StringIO({json.dumps(json.dumps(entry))} + '\\n')\n"
              "code = main(['{}'])\n"
              "print('EXIT', code, 'tensorflow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=_env(),
                          timeout=600)
    assert done.stdout.strip() == "EXIT 0 False", done.stderr[-3000:]
    assert '"exit_code": 0' in done.stderr and (tmp_path / "served" / "two" / "1").is_dir()


@pytest.mark.slow
def test_a_worker_killed_mid_entry_fails_that_entry_only_and_leaves_nothing_half_published(
        tmp_path, example_checkpoints):  # noqa: F811
    resnet, two = example_checkpoints("TinyResNet"), example_checkpoints("TwoInTwoOut")
    manifest = _manifest(tmp_path, [manifest_entry("victim", "TinyResNet", resnet["state_dict"], "state_dict"),
                                    manifest_entry("two", "TwoInTwoOut", two["onnx"], "onnx")])
    process = subprocess.Popen(_command(manifest, "--workers", 1, "--json"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env())
    victim_dir = tmp_path / "served" / "victim"
    lines, pid, staged_at_kill = [], None, None
    deadline = time.monotonic() + 900
    for line in process.stderr:
        lines.append(line)
        if line.startswith("entry 1 (victim): started on worker 1 (pid "):
            pid = int(line.rsplit("pid ", 1)[1].rstrip(")\n"))
        if line.strip() == "entry 1 (victim): verify" and pid is not None:
            staged_at_kill = [(folder / "saved_model.pb").is_file() for folder in staging_folders(victim_dir)]
            os.kill(pid, signal.SIGKILL)
        assert time.monotonic() < deadline
    stdout = process.stdout.read()
    assert process.wait(timeout=60) == 4, "".join(lines)[-4000:]
    assert staged_at_kill == [True]            # killed with the SavedModel written, in staging
    assert _processes_started_by(pid) == []    # its TensorFlow and serving processes died with it
    summary = json.loads(stdout)
    victim, other = sorted(summary["models"], key=lambda m: m["entry"])
    assert (victim["exit_class"], victim["exit_code"], victim["version"]) == ("crashed", 4, None)
    assert "was killed by SIGKILL" in victim["message"] and "in stage verify" in victim["message"]
    assert (other["exit_class"], other["version"], other["worker"]) == ("ok", 1, 2)   # on the replacement
    assert "SIGKILL" in summary["workers"][0]["exit"] and summary["workers"][1]["pid"] != pid
    assert not victim_dir.exists() or (numeric_versions(victim_dir) == [] and staging_folders(victim_dir) == [])
    assert_serving_root_consistent(tmp_path / "served", "two")
    assert 'name: "victim"' not in (tmp_path / "served" / "models.config").read_text()
    assert any("entry 1 (victim): FAILED (crashed, exit code 4)" in line for line in lines)


def test_a_malformed_manifest_is_one_line_naming_the_entry_and_field_and_starts_no_worker(tmp_path):
    manifest = _manifest(tmp_path, [{"name": "one", "checkpoint": "a.pt", "input": ["x:float32:1x4"]},
                                    {"name": "two", "checkpoint": "b.pt", "inputs": ["x:float32:1x4"]}])
    start = time.monotonic()
    done = subprocess.run(_command(manifest, "--workers", 2), capture_output=True, text=True, cwd=tmp_path,
                          env=_env(), timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: manifest {manifest}: entry 2 (two): unknown field 'inputs'; did you mean 'input'?"]
    assert done.stdout == "" and not (tmp_path / "served").exists()
    assert time.monotonic() - start < 60          # no TensorFlow import, no worker: seconds, not a minute
    as_json = subprocess.run(_command(manifest, "--json"), capture_output=True, text=True, cwd=tmp_path,
                             env=_env(), timeout=120)
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["exit_code"] == 2


@pytest.mark.slow
def test_a_failed_entry_and_a_timed_out_one_are_reported_and_the_run_goes_on(tmp_path, example_checkpoints):  # noqa: F811
    """The slow entry's model class sleeps when built: a small conversion in a worker's kept processes can
    finish within the 3 s."""
    (tmp_path / "slow_model.py").write_text("import time\n"
                                            "from examples.models import TwoInTwoOut\n\n\n"
                                            "class Slow(TwoInTwoOut):\n"
                                            "    def __init__(self):\n"
                                            "        time.sleep(60)\n"
                                            "        super().__init__()\n")
    slow_entry = {**manifest_entry("slow", "TwoInTwoOut", example_checkpoints("TwoInTwoOut")["state_dict"],
                                   "state_dict"), "model_class": "slow_model:Slow", "model_path": str(tmp_path)}
    manifest = _manifest(tmp_path, [{"name": "missing", "checkpoint": "nowhere.pt", "input": ["x:float32:1x4"]},
                                    slow_entry])
    done = subprocess.run(_command(manifest, "--workers", 1, "--timeout", 3, "--json"), capture_output=True,
                          text=True, cwd=tmp_path, env=_env(), timeout=600)
    assert done.returncode == 4, done.stderr[-3000:]            # the highest: a timeout counts as 4
    missing, slow = json.loads(done.stdout)["models"]
    assert (missing["exit_class"], missing["exit_code"]) == ("bad-input", 2)
    assert "nowhere.pt" in missing["message"] and missing["worker"] == 1
    assert (slow["exit_class"], slow["exit_code"], slow["version"]) == ("timeout", 4, None)
    assert "did not finish within --timeout 3 s" in slow["message"] and 3 <= slow["seconds"] < 30
    assert numeric_versions(tmp_path / "served" / "slow") == [] and staging_folders(tmp_path / "served" / "slow") == []


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_the_workers_and_reports_what_did_not_finish(tmp_path, example_checkpoints,  # noqa: F811
                                                                            stop):
    two = example_checkpoints("TwoInTwoOut")
    manifest = _manifest(tmp_path, [manifest_entry("a", "TwoInTwoOut", two["onnx"], "onnx"),
                                    manifest_entry("b", "TwoInTwoOut", two["onnx"], "onnx")])
    # SIGINT back to its default first, as in a terminal: a test run started in the background of a
    # non-interactive shell inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
    process = subprocess.Popen(_command(manifest, "--workers", 1, "--json"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env(),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in process.stderr:
        if line.strip() == "entry 1 (a): passes":
            process.send_signal(stop)
    assert process.wait(timeout=120) == 130
    summary = json.loads(process.stdout.read())
    assert (summary["status"], summary["not_run"], summary["failed"]) == ("interrupted", 2, 0)
    assert [(m["model"], m["exit_class"]) for m in summary["models"]] == [("a", "not-run"), ("b", "not-run")]
    assert not (tmp_path / "served" / "a").exists() and not (tmp_path / "served" / "b").exists()
