"""Publishing: version numbering, never-overwrite, atomic --force, stale staging cleanup, concurrency."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest

from converter.errors import PublishError
from converter.publish import clean_stale_staging, create_staging, existing_versions, publish_staged


def _stage(root, name, marker):
    staging = create_staging(root, name)
    (staging.path / "saved_model.pb").write_text(marker)
    return staging


def test_versions_increment_and_staging_is_never_numeric(tmp_path):
    staging = _stage(tmp_path, "m", "a")
    assert not staging.path.name.isdigit()
    assert publish_staged(staging)[0] == 1
    assert publish_staged(_stage(tmp_path, "m", "b"))[0] == 2
    assert publish_staged(_stage(tmp_path, "m", "c"), version=7)[0] == 7
    assert publish_staged(_stage(tmp_path, "m", "d"))[0] == 8
    assert existing_versions(tmp_path / "m") == [1, 2, 7, 8]
    assert (tmp_path / "m" / "2" / "saved_model.pb").read_text() == "b"


def test_existing_version_is_never_overwritten(tmp_path):
    publish_staged(_stage(tmp_path, "m", "first"))
    staging = _stage(tmp_path, "m", "second")
    with pytest.raises(PublishError, match="already exists.*--force"):
        publish_staged(staging, version=1)
    assert (tmp_path / "m" / "1" / "saved_model.pb").read_text() == "first"


def test_force_replaces_in_one_step(tmp_path):
    publish_staged(_stage(tmp_path, "m", "first"))
    version, path = publish_staged(_stage(tmp_path, "m", "second"), version=1, force=True)
    assert version == 1 and (path / "saved_model.pb").read_text() == "second"
    assert sorted(p.name for p in (tmp_path / "m").iterdir() if not p.name.startswith(".")) == ["1"]


def test_finalize_sees_the_chosen_version_before_the_rename(tmp_path):
    publish_staged(_stage(tmp_path, "m", "x"))
    seen = []
    publish_staged(_stage(tmp_path, "m", "y"), finalize=lambda v, p: seen.append((v, p.name.isdigit())))
    assert seen == [(2, False)]


def test_stale_staging_of_dead_process_is_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / "m" / f"_staging-{dead.stdout.strip()}-abcd"
    stale.mkdir(parents=True)
    live = tmp_path / "m" / f"_staging-{os.getppid()}-abcd"     # our parent process is alive
    live.mkdir()
    assert clean_stale_staging(tmp_path / "m") == [stale]
    assert live.exists() and not stale.exists()


def _publish_one(args):
    root, marker = args
    staging = _stage(root, "m", marker)
    return publish_staged(staging)[0]


def test_concurrent_publishes_get_distinct_versions(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        versions = pool.map(_publish_one, [(tmp_path, str(i)) for i in range(8)])
    assert sorted(versions) == list(range(1, 9))
    markers = {(tmp_path / "m" / str(v) / "saved_model.pb").read_text() for v in versions}
    assert markers == {str(i) for i in range(8)}
