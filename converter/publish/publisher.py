"""Choose the version and rename the staged SavedModel into place, under a per-model lock."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from converter.errors import PublishError
from converter.publish.staging import STAGING_PREFIX, StagingArea, _fsync_dir, fsync_tree

logger = logging.getLogger(__name__)

LOCK_NAME = ".publish.lock"
LOCK_TIMEOUT_SECONDS = 600


def existing_versions(model_dir: Path) -> list[int]:
    if not model_dir.is_dir():
        return []
    return sorted(int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit())


def publish_staged(staging: StagingArea, version: int | None = None, force: bool = False,
                   finalize: Callable[[int, Path], None] | None = None) -> tuple[int, Path]:
    """Rename the staging folder to `<model dir>/<version>` atomically; returns (version, path).

    `finalize(version, staging_path)` runs under the lock once the version is known (it writes the
    report, which records the version) and before the rename.
    """
    lock = FileLock(str(staging.model_dir / LOCK_NAME))
    try:
        with lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
            versions = existing_versions(staging.model_dir)
            chosen = version if version is not None else (max(versions, default=0) + 1)
            target = staging.model_dir / str(chosen)
            if target.exists() and not force:
                raise PublishError(f"version {chosen} of model '{staging.model_dir.name}' already exists at {target}; "
                                   "pass --force to replace it or omit --version to publish the next one")
            if finalize is not None:
                finalize(chosen, staging.path)
            fsync_tree(staging.path)
            if target.exists():
                _replace_atomically(staging.path, target)
            else:
                os.rename(staging.path, target)
            _fsync_dir(staging.model_dir)
    except Timeout:
        raise PublishError(f"another conversion has held the lock on {staging.model_dir} for "
                           f"{LOCK_TIMEOUT_SECONDS} s; if none is running, delete {staging.model_dir / LOCK_NAME}") from None
    logger.info("published %s", target)
    return chosen, target


def _replace_atomically(new: Path, target: Path) -> None:
    """Swap `new` into `target` in one step (Linux renameat2 RENAME_EXCHANGE), then delete the old one."""
    if not _exchange(new, target):
        # Fallback: two renames; the old version is moved aside first, so TF Serving never sees a partial one.
        aside = target.parent / f"{STAGING_PREFIX}{os.getpid()}-replaced-{target.name}"
        os.rename(target, aside)
        os.rename(new, target)
        shutil.rmtree(aside, ignore_errors=True)
        return
    shutil.rmtree(new, ignore_errors=True)   # `new` now holds the replaced version


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
