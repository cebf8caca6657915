"""Run TF Serving on a serving root (serving_models/ by default): gRPC on 8500, REST on 8501.

    torch2serving serve [--root DIR] [--batching] [--local | --docker] [--image-version 2.21.0]

Uses tensorflow_model_server when it is on PATH (apt package tensorflow-model-server), otherwise Docker
with serving/docker-compose.yml (or, from an installed package without that file, the same server with
`docker run`). models.config is re-read every 30 s, so new versions and label moves need no restart.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from converter.cli.common import command_main, setup_warnings_only
from converter.errors import BadInputError

PORT_FLAGS = ["--port=8500", "--rest_api_port=8501", "--model_config_file_poll_wait_seconds=30"]
COMPOSE_FILE = Path(__file__).resolve().parents[2] / "serving" / "docker-compose.yml"   # in a source checkout
# The server's environment, each overridable by exporting it (docs/serving.md): oneDNN builds of TF cache each
# kernel's re-laid-out weights instead of redoing it on every request (a served model's variables never change
# after loading); TF_NUM_INTEROP_THREADS passes through (0: TF's default; -1 runs each request's ops in the
# thread that received it, faster for small models, measured slower for some CNNs: opt-in).
SERVER_ENV = {"TF_ONEDNN_ASSUME_FROZEN_WEIGHTS": "1", "TF_NUM_INTEROP_THREADS": "0"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default="serving_models", help="the serving root (default: serving_models)")
    parser.add_argument("--batching", action="store_true",
                        help="--enable_batching with the root's batching_parameters.txt (convert with --batching)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--local", action="store_true", help="only tensorflow_model_server from PATH")
    which.add_argument("--docker", action="store_true", help="only Docker, even if tensorflow_model_server is on PATH")
    parser.add_argument("--image-version", default=os.environ.get("TF_SERVING_VERSION", "2.21.0"),
                        help="tensorflow/serving image tag for Docker (default: $TF_SERVING_VERSION or 2.21.0)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def setup(args) -> None:
    setup_warnings_only()


def run(args) -> int:
    root = Path(args.root).resolve()
    if not (root / "models.config").is_file():
        raise BadInputError(f"--root {root}: no models.config there; convert a model first (torch2serving convert)")
    if args.batching and not (root / "batching_parameters.txt").is_file():
        raise BadInputError(f"--batching needs {root / 'batching_parameters.txt'}; convert with --batching")
    command, env = _server_command(args, root)
    sys.stdout.flush()
    os.execvpe(command[0], command, {**os.environ, **_server_env(), **env})   # as `exec` in a shell


def _server_env() -> dict[str, str]:
    return {key: os.environ.get(key, value) for key, value in SERVER_ENV.items()}


def _server_command(args, root: Path) -> tuple[list[str], dict[str, str]]:
    """The server's command line and the environment variables it needs besides ours."""
    server, docker = shutil.which("tensorflow_model_server"), shutil.which("docker")
    if args.local and not server:
        raise BadInputError("--local needs tensorflow_model_server on PATH (apt package tensorflow-model-server)")
    if args.docker and not docker:
        raise BadInputError("--docker: docker is not on PATH; install Docker")
    if server and not args.docker:
        return local_command(server, root, args.batching), {}
    if docker:
        return docker_command(docker, root, args.batching, args.image_version, COMPOSE_FILE)
    raise BadInputError("neither tensorflow_model_server nor docker is on PATH: install TF Serving's model server "
                        "(apt package tensorflow-model-server) or Docker")


def local_command(server: str, root: Path, batching: bool) -> list[str]:
    """A local binary sees the real paths, not /models: a models.config copy with absolute base paths."""
    from converter.tf_import import import_tensorflow_quietly

    import_tensorflow_quietly()     # the serving protos import TensorFlow's
    from google.protobuf import text_format

    from converter.serving.model_config import ModelPolicy, build_models_config, read_models_config

    entries = read_models_config(root / "models.config").model_config_list.config
    policies = {entry.name: ModelPolicy.from_proto(entry) for entry in entries}
    handle, config_path = tempfile.mkstemp(suffix=".models.config")
    with os.fdopen(handle, "w") as config_file:
        config_file.write(text_format.MessageToString(build_models_config(root, policies, str(root))))
    flags = [*PORT_FLAGS, f"--model_config_file={config_path}"]
    if batching:
        flags += ["--enable_batching", f"--batching_parameters_file={root / 'batching_parameters.txt'}"]
    return [server, *flags]


def docker_command(docker: str, root: Path, batching: bool, image_version: str,
                   compose_file: Path) -> tuple[list[str], dict[str, str]]:
    """docker compose with the project's compose file (the root and image tag as its variables); without
    that file, the same server with docker run."""
    if compose_file.is_file():
        service = "tfserving-batching" if batching else "tfserving"
        return ([docker, "compose", "-f", str(compose_file), *(["--profile", "batching"] if batching else []),
                 "up", service], {"T2S_SERVING_ROOT": str(root), "TF_SERVING_VERSION": image_version})
    flags = [*PORT_FLAGS, "--model_config_file=/models/models.config"]
    if batching:
        flags += ["--enable_batching", "--batching_parameters_file=/models/batching_parameters.txt"]
    env_flags = [item for key, value in _server_env().items() for item in ("-e", f"{key}={value}")]
    return ([docker, "run", "--rm", "-p", "8500:8500", "-p", "8501:8501", "-v", f"{root}:/models:ro", *env_flags,
             "--entrypoint", "tensorflow_model_server", f"tensorflow/serving:{image_version}", *flags], {})


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

