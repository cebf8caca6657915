"""The torch2serving command: every subcommand's --help, the same parser behind `python -m converter` and
the scripts/ wrappers, and `serve` choosing the model server (fake servers on PATH print what they got)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from converter.cli import main as cli_main
from converter.cli import serve
from converter.serving.model_config import ModelPolicy, write_models_config

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ["convert", "convert-many", "verify", "inspect", "check-serving", "predict", "serve"]


def _run(*argv: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", **(env or {}))
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=str(cwd),
                          env=environment, timeout=300)


def test_top_level_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: torch2serving")
    for name in SUBCOMMANDS:
        assert f"    {name}" in out


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_subcommand_help_exits_0(subcommand, capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main.main([subcommand, "--help"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: torch2serving {subcommand}")


def test_convert_keeps_the_documented_flags(capsys):
    with pytest.raises(SystemExit):
        cli_main.main(["convert", "--help"])
    out = capsys.readouterr().out
    for flag in ("--checkpoint", "--format", "--model-class", "--model-kwargs", "--model-path", "--trust-checkpoint",
                 "--input", "--input-range", "--output", "--dynamic-axis", "--io-layout", "--name", "--signature",
                 "--serving-root", "--version", "--force", "--version-policy", "--label", "--warmup-batch-sizes",
                 "--batching", "--opset", "--exporter", "--backend", "--no-layout-pass", "--batch-split", "--atol",
                 "--rtol", "--verify-batch-sizes", "--seed", "--diagnose", "--work-dir", "--json", "--debug"):
        assert f"{flag} " in out or f"{flag}\n" in out, flag


def test_python_m_converter_and_the_script_wrapper_run_the_same_command():
    module = _run("-m", "converter", "convert", "--help")
    script = _run(str(ROOT / "scripts" / "convert.py"), "--help")
    assert module.returncode == script.returncode == 0, module.stderr + script.stderr
    assert module.stdout == script.stdout
    assert "--checkpoint CHECKPOINT" in module.stdout


def test_usage_error_exits_2_without_traceback():
    result = _run("-m", "converter", "convert", "--name", "m")          # --checkpoint missing
    assert result.returncode == 2
    assert "the following arguments are required: --checkpoint" in result.stderr
    assert "Traceback" not in result.stderr


def _serving_root(tmp_path: Path, batching: bool = False) -> Path:
    root = tmp_path / "serving_models"
    for version in ("1", "2"):
        (root / "toy" / version).mkdir(parents=True)
    write_models_config(root, {"toy": ModelPolicy("specific:1,2", (("stable", 1),))})
    if batching:
        (root / "batching_parameters.txt").write_text("max_batch_size { value: 8 }\n")
    return root


def _fake_bin(tmp_path: Path, *names: str) -> Path:
    """Executables that print their arguments (and the model config file they were given) and exit 0."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in names:
        path = folder / name
        path.write_text('#!/bin/sh\necho "$0 $*"\nfor a in "$@"; do case "$a" in --model_config_file=/*)\n'
                        '  while IFS= read -r line; do echo "$line"; done < "${a#--model_config_file=}";; esac\n'
                        'done\necho "root=$T2S_SERVING_ROOT onednn=$TF_ONEDNN_ASSUME_FROZEN_WEIGHTS interop=$TF_NUM_INTEROP_THREADS"\n')
        path.chmod(0o755)
    return folder


def test_serve_runs_the_local_model_server_with_absolute_base_paths(tmp_path):
    root = _serving_root(tmp_path, batching=True)
    fake = _fake_bin(tmp_path, "tensorflow_model_server", "docker")
    result = _run("-m", "converter", "serve", "--root", str(root), "--batching", env={"PATH": str(fake)})
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0].split()
    assert first[0] == str(fake / "tensorflow_model_server")
    assert {"--port=8500", "--rest_api_port=8501", "--model_config_file_poll_wait_seconds=30",
            "--enable_batching", f"--batching_parameters_file={root / 'batching_parameters.txt'}"} <= set(first)
    assert f'base_path: "{root}/toy"' in result.stdout          # the server sees real paths, not /models
    assert 'label: "stable"' in result.stdout or "stable" in result.stdout
    assert "onednn=1 interop=0" in result.stdout


def test_serve_uses_docker_compose_without_a_local_server(tmp_path):
    root = _serving_root(tmp_path)
    fake = _fake_bin(tmp_path, "docker")
    result = _run("-m", "converter", "serve", "--root", str(root), "--image-version", "2.19.0",
                  env={"PATH": str(fake), "TF_NUM_INTEROP_THREADS": "-1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (f"{fake / 'docker'} compose -f {ROOT / 'serving' / 'docker-compose.yml'} "
                                             "up tfserving")
    assert f"root={root} onednn=1 interop=-1" in result.stdout          # the user's choice passes through
    compose = (ROOT / "serving" / "docker-compose.yml").read_text()
    assert all(f'{key}: "${{{key}:-{value}}}"' in compose for key, value in serve.SERVER_ENV.items())


def test_serve_docker_run_without_the_compose_file(tmp_path):
    """An installed package has no serving/ folder: the same server with docker run."""
    root = _serving_root(tmp_path, batching=True)
    command, env = serve.docker_command("docker", root, True, "2.21.0", tmp_path / "missing.yml")
    assert env == {}
    assert command[:2] == ["docker", "run"] and f"{root}:/models:ro" in command
    assert "tensorflow/serving:2.21.0" in command
    assert {"TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1", "TF_NUM_INTEROP_THREADS=0"} <= set(command)
    assert command[-2:] == ["--enable_batching", "--batching_parameters_file=/models/batching_parameters.txt"]


@pytest.mark.parametrize("case, flags, message", [
    ("no server", [], "neither tensorflow_model_server nor docker is on PATH"),
    ("--local", ["--local"], "--local needs tensorflow_model_server on PATH"),
    ("no config", [], "no models.config there; convert a model first"),
])
def test_serve_bad_setups_are_one_line_errors(tmp_path, case, flags, message):
    root = tmp_path / "empty" if case == "no config" else _serving_root(tmp_path)
    root.mkdir(exist_ok=True)
    result = _run("-m", "converter", "serve", "--root", str(root), *flags, env={"PATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]     # one line
    assert result.stderr.startswith("error: ") and message in result.stderr
