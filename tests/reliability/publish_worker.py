"""What the pipeline does from staging on, without TensorFlow: for the SIGKILL tests.

    python -m tests.reliability.publish_worker SERVING_ROOT NAME PREBUILT_SAVEDMODEL RUN_TAG [CRASH_POINT]

create_staging -> copy a prebuilt SavedModel into it (file by file) -> publish_staged with a finalize
that writes the report -> after_publish (models.config). Prints "ready" once imports are done (the
test times its kills from there). CRASH_POINT names a step at which the worker SIGKILLs itself.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import types
from pathlib import Path

REPORT = Path("assets.extra") / "conversion_report.json"
CRASH_POINTS = ("after_staging", "mid_copy", "after_copy", "in_finalize", "before_rename", "after_rename",
                "before_models_config", "mid_models_config", "after_models_config")


def _stub_warmup() -> None:
    """converter.serving.prepare imports warmup, which imports TensorFlow (20 s here); after_publish needs neither."""
    stub = types.ModuleType("converter.serving.warmup")
    stub.write_warmup_requests = None
    sys.modules.setdefault("converter.serving.warmup", stub)


def main(argv: list[str]) -> int:
    serving_root, name, prebuilt, tag = Path(argv[0]), argv[1], Path(argv[2]), argv[3]
    crash_at = argv[4] if len(argv) > 4 else ""
    _stub_warmup()
    from converter.publish import create_staging, publish_staged, publisher
    from converter.report import write_report
    from converter.serving import model_config
    from converter.serving.prepare import after_publish

    def crash(point: str) -> None:
        if point == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    _patch(publisher, "rename", lambda: crash("before_rename"), lambda: crash("after_rename"))
    _patch(model_config, "replace", lambda: crash("mid_models_config"), lambda: None)
    print("ready", flush=True)
    staging = create_staging(serving_root, name)
    crash("after_staging")
    files = [p for p in sorted(prebuilt.rglob("*")) if p.is_file() and p.relative_to(prebuilt) != REPORT]
    for index, source in enumerate(files):
        target = staging.path / source.relative_to(prebuilt)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if index == len(files) // 2:
            crash("mid_copy")
    crash("after_copy")

    def finalize(version: int, path: Path) -> None:
        write_report({"model_name": name, "run_tag": tag, "version": version, "parity": {"passed": True}}, path)
        crash("in_finalize")

    version, _ = publish_staged(staging, None, False, finalize)
    crash("before_models_config")
    after_publish(serving_root, name)
    crash("after_models_config")
    print(f"published {version}", flush=True)
    return 0


def _patch(module, attribute: str, before, after) -> None:
    """Give `module` its own view of os whose <attribute> (e.g. rename) runs crash hooks around the call."""
    original = getattr(os, attribute)

    def wrapped(*args, **kwargs):
        before()
        result = original(*args, **kwargs)
        after()
        return result
    view = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    setattr(view, attribute, wrapped)
    module.os = view


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
