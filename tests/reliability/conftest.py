"""Shared helpers of the reliability tests: one real conversion per session, and checks of a serving root."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from google.protobuf import text_format

from tests.e2e.conftest import convert_args, example_checkpoints, run_script  # noqa: F401  (fixture re-export)

REQUIRED_FILES = ("saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001",
                  "assets.extra/conversion_report.json")
STAGING_PREFIX = "_staging-"


@pytest.fixture(scope="session")
def converted_two(example_checkpoints, tmp_path_factory):  # noqa: F811
    """A real CLI conversion of examples TwoInTwoOut: {checkpoint, root, version_dir, seconds, stderr}."""
    checkpoint = example_checkpoints("TwoInTwoOut")["state_dict"]
    root = tmp_path_factory.mktemp("prebuilt") / "serving_models"
    start = time.monotonic()
    result = run_script("convert.py", *convert_args("TwoInTwoOut", checkpoint, "two", root))
    assert result.code == 0, result.stderr[-3000:]
    return {"checkpoint": checkpoint, "root": root, "version_dir": root / "two" / "1",
            "seconds": time.monotonic() - start, "stderr": result.stderr}


def numeric_versions(model_dir: Path) -> list[int]:
    if not model_dir.is_dir():
        return []
    return sorted(int(p.name) for p in model_dir.iterdir() if p.name.isdigit())


def staging_folders(model_dir: Path) -> list[Path]:
    return sorted(model_dir.glob(f"{STAGING_PREFIX}*")) if model_dir.is_dir() else []


def assert_serving_root_consistent(root: Path, name: str, prebuilt: Path | None = None) -> None:
    """Every numeric version complete (byte-equal to `prebuilt` when given, report naming its own
    version); models.config, when present, parses as a ModelServerConfig and names existing folders."""
    from tensorflow_serving.config import model_server_config_pb2

    model_dir = root / name
    for version in numeric_versions(model_dir):
        folder = model_dir / str(version)
        assert folder.is_dir(), f"{folder} is a numeric name but not a folder"
        for relative in REQUIRED_FILES:
            assert (folder / relative).is_file(), f"{folder} is incomplete: no {relative}"
        report = json.loads((folder / "assets.extra" / "conversion_report.json").read_text())
        assert report["version"] == version, (folder, report.get("version"))
        if prebuilt is not None:
            for relative in REQUIRED_FILES[:3]:
                assert (folder / relative).read_bytes() == (prebuilt / relative).read_bytes(), folder / relative
    config_path = root / "models.config"
    if config_path.exists():
        config = text_format.Parse(config_path.read_text(), model_server_config_pb2.ModelServerConfig())
        names = [c.name for c in config.model_config_list.config]
        assert len(names) == len(set(names)), names
        for entry in config.model_config_list.config:
            assert numeric_versions(root / entry.name), f"models.config lists {entry.name} without a version"
