"""Staging folders: where a version is written and verified before it is renamed into place."""
from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

STAGING_PREFIX = "_staging-"      # TF Serving only loads integer-named folders; this is never one


@dataclass(frozen=True)
class StagingArea:
    model_dir: Path        # <serving root>/<name>
    path: Path             # <serving root>/<name>/_staging-<pid>-<token>

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def create_staging(serving_root: Path, name: str) -> StagingArea:
    model_dir = Path(serving_root) / name
    model_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(model_dir)
    path = model_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir()
    return StagingArea(model_dir, path)


def clean_stale_staging(model_dir: Path) -> list[Path]:
    """Remove staging folders left by conversions that died (their process no longer exists)."""
    removed = []
    for entry in model_dir.glob(f"{STAGING_PREFIX}*"):
        pid = _pid_of(entry.name)
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
        logger.info("removed stale staging folder %s left by an interrupted run", entry)
    return removed


def _pid_of(name: str) -> int | None:
    try:
        return int(name[len(STAGING_PREFIX):].split("-")[0])
    except ValueError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync_tree(root: Path) -> None:
    """Flush every file and folder below `root` so a crash after the rename cannot leave empty files."""
    for folder, _dirs, files in os.walk(root):
        for file_name in files:
            with open(os.path.join(folder, file_name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(folder))


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
