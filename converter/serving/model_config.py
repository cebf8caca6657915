"""serving_models/models.config: the text ModelServerConfig TF Serving reads with --model_config_file.

One `config` entry per model folder that holds at least one integer version folder. Rewritten on
every publish (temp file + os.replace, so the server's poller never reads half a file) and keeps
each model's previous version policy and labels unless the caller overrides them.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from converter.errors import BadInputError

log = logging.getLogger(__name__)

CONFIG_FILENAME = "models.config"
_VERSION_DIR = re.compile(r"\d+")


@dataclass(frozen=True)
class ModelPolicy:
    """TF Serving version policy (`latest:N`, `all`, `specific:1,2`) and version labels."""

    policy: str = "latest:1"
    labels: tuple[tuple[str, int], ...] = ()

    def __post_init__(self):
        self.parse_policy()  # fail at construction on a malformed policy
        for label, version in self.labels:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", label) or int(version) <= 0:
                raise BadInputError(f"version label {label}={version}: use letters/digits/_/- and a positive version")

    def parse_policy(self) -> tuple[str, tuple[int, ...]]:
        """Return ("latest", (N,)) | ("all", ()) | ("specific", (v1, v2, ...))."""
        text = self.policy.strip()
        if text == "all":
            return "all", ()
        kind, _, rest = text.partition(":")
        try:
            numbers = tuple(int(p) for p in rest.split(",")) if rest else ()
        except ValueError:
            numbers = ()
        if kind == "latest" and len(numbers) == 1 and numbers[0] >= 1:
            return "latest", numbers
        if kind == "specific" and numbers and all(n >= 1 for n in numbers):
            return "specific", tuple(sorted(set(numbers)))
        raise BadInputError(f"version policy {self.policy!r}: use latest:N, all, or specific:1,2")

    def to_proto(self, config: model_server_config_pb2.ModelConfig) -> None:
        kind, numbers = self.parse_policy()
        policy = config.model_version_policy
        if kind == "latest":
            policy.latest.num_versions = numbers[0]
        elif kind == "all":
            policy.all.SetInParent()
        else:
            policy.specific.versions.extend(numbers)
        for label, version in self.labels:
            config.version_labels[label] = int(version)

    @classmethod
    def from_proto(cls, config: model_server_config_pb2.ModelConfig) -> "ModelPolicy":
        which = config.model_version_policy.WhichOneof("policy_choice")
        if which == "all":
            policy = "all"
        elif which == "specific":
            policy = "specific:" + ",".join(str(v) for v in config.model_version_policy.specific.versions)
        elif which == "latest":
            policy = f"latest:{config.model_version_policy.latest.num_versions or 1}"
        else:
            policy = "latest:1"  # TF Serving's default when no policy is given
        return cls(policy, tuple(sorted(config.version_labels.items())))


def version_dirs(model_dir: Path) -> list[int]:
    """Integer-named version folders: the only ones TF Serving loads (publish's temp folders are not)."""
    return sorted(int(p.name) for p in model_dir.iterdir() if p.is_dir() and _VERSION_DIR.fullmatch(p.name))


def read_models_config(path: Path) -> model_server_config_pb2.ModelServerConfig:
    """Parse a models.config file; BadInputError names the file when it is not a ModelServerConfig."""
    try:
        return text_format.Parse(Path(path).read_text(), model_server_config_pb2.ModelServerConfig())
    except (text_format.ParseError, UnicodeDecodeError) as err:
        raise BadInputError(f"{path}: not a valid ModelServerConfig text proto ({err}); fix or delete it") from err


def _previous_policies(config_path: Path) -> dict[str, ModelPolicy]:
    if not config_path.exists():
        return {}
    parsed = read_models_config(config_path)
    return {c.name: ModelPolicy.from_proto(c) for c in parsed.model_config_list.config}


def _check_labels(name: str, policy: ModelPolicy, versions: list[int]) -> None:
    """TF Serving refuses a label on a version it has not loaded; say so before the server does."""
    kind, numbers = policy.parse_policy()
    served = {"all": versions, "specific": [v for v in versions if v in numbers],
              "latest": versions[-numbers[0]:] if numbers else versions}[kind]
    for label, version in policy.labels:
        if version not in served:
            log.warning("model %s: label %s -> version %d, which policy %s does not serve (on disk: %s); "
                        "TF Serving rejects labels on unloaded versions unless "
                        "--allow_version_labels_for_unavailable_models", name, label, version, policy.policy, versions)


def build_models_config(serving_root: Path, policies: dict[str, ModelPolicy],
                        base_path_prefix: str = "/models") -> model_server_config_pb2.ModelServerConfig:
    config = model_server_config_pb2.ModelServerConfig()
    entries = config.model_config_list
    for model_dir in sorted(p for p in Path(serving_root).iterdir() if p.is_dir() and not p.name.startswith(".")):
        versions = version_dirs(model_dir)
        if not versions:
            continue
        policy = policies.get(model_dir.name, ModelPolicy())
        _check_labels(model_dir.name, policy, versions)
        entry = entries.config.add()
        entry.name = model_dir.name
        entry.base_path = f"{base_path_prefix.rstrip('/')}/{model_dir.name}"
        entry.model_platform = "tensorflow"
        policy.to_proto(entry)
    return config


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".models.config.", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_models_config(serving_root: Path, overrides: dict[str, ModelPolicy] | None = None,
                        base_path_prefix: str = "/models") -> Path:
    """Write serving_root/models.config atomically and return its path.

    base_path_prefix is where the server sees serving_root ("/models" in serving/docker-compose.yml);
    pass str(serving_root.resolve()) for a server running on this machine.
    """
    serving_root = Path(serving_root)
    if not serving_root.is_dir():
        raise BadInputError(f"serving root {serving_root} is not a folder; convert a model into it first")
    target = serving_root / CONFIG_FILENAME
    # Two publishes of different models may regenerate at once: scan + write under one lock, so the
    # later writer always sees the earlier one's folder and policy.
    with FileLock(str(serving_root / ".models-config.lock"), timeout=120):
        policies = {**_previous_policies(target), **(overrides or {})}
        config = build_models_config(serving_root, policies, base_path_prefix)
        for stale in serving_root.glob(".models.config.*"):   # temp files of writers killed mid-write
            stale.unlink(missing_ok=True)                     # (safe: every writer holds this lock)
        _atomic_write(target, text_format.MessageToString(config))
    log.info("wrote %s (%d models)", target, len(config.model_config_list.config))
    return target
