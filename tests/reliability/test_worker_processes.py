"""The conversion's child processes (converter/workers.py): started at the beginning, one TensorFlow worker
for a small model or a process per memory-heavy step for a large one, and a serving worker for the C API.

Both paths give the same published version, byte for byte, with the same parity figures; a worker that
dies leaves nothing published; the converting process never imports TensorFlow.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from converter.config import ConversionConfig, InputSpec
from tests.e2e.conftest import ROOT, convert_args, tree_snapshot

pytestmark = pytest.mark.slow      # whole conversions

PUBLISHED_FILES = ("saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001",
                   "assets.extra/tf_serving_warmup_requests")


def _config(checkpoint, root, name="two") -> ConversionConfig:
    from examples.models import EXAMPLES

    spec = EXAMPLES["TwoInTwoOut"]
    return ConversionConfig(checkpoint=checkpoint, name=name, serving_root=root, model_class=spec.model_class,
                            model_path=ROOT, inputs=tuple(InputSpec.parse(t) for t in spec.inputs),
                            outputs=spec.outputs)


def _count_workers(monkeypatch) -> dict[str, int]:
    import converter.workers as workers

    started = {"tensorflow": 0, "serving": 0}
    for kind in started:
        factory = getattr(workers, f"{kind}_worker")

        def counting(*args, _factory=factory, _kind=kind, **kwargs):
            started[_kind] += 1
            return _factory(*args, **kwargs)
        monkeypatch.setattr(workers, f"{kind}_worker", counting)
    return started


def test_one_process_and_a_process_per_step_publish_the_same_version(example_checkpoints, tmp_path, monkeypatch):
    import converter.workers as workers
    from converter.pipeline import convert

    checkpoint = example_checkpoints("TwoInTwoOut")["state_dict"]
    started = _count_workers(monkeypatch)
    shared = convert(_config(checkpoint, tmp_path / "shared"))
    assert started == {"tensorflow": 1, "serving": 1}
    monkeypatch.setattr(workers, "SHARED_MAX_WEIGHT_BYTES", 0)          # every model is "large" now
    separate = convert(_config(checkpoint, tmp_path / "separate"))
    # the TF worker started with the conversion translates; a fresh one verifies; the serving worker started
    # with the conversion is ended when the size is known, and a fresh one runs the C API check at the end
    assert started == {"tensorflow": 1 + 2, "serving": 1 + 2}
    for relative in PUBLISHED_FILES:
        assert (shared.version_dir / relative).read_bytes() == (separate.version_dir / relative).read_bytes(), relative
    assert shared.report["parity"] == separate.report["parity"]
    assert shared.signature_text == separate.signature_text
    assert "signature_def['serving_default']" in shared.signature_text
    for result in (shared, separate):
        seconds = result.report["process_seconds"]
        assert seconds["conversion"] > 0 and "tensorflow process start-up" in seconds
        assert list(result.report["stage_seconds"])[:4] == ["load", "export", "passes", "reference"]
        assert result.report["tool_versions"]["tensorflow"]


@pytest.mark.parametrize("victim", ["tensorflow", "serving"])
def test_a_worker_killed_mid_conversion_publishes_nothing(example_checkpoints, tmp_path, monkeypatch, victim):
    """SIGKILL the TensorFlow worker as verification starts, or the serving worker as the C API check starts:
    a one-line ConverterError naming the stage, no version, no staging folder left."""
    import converter.pipeline as pipeline
    from converter.errors import ConverterError

    def killing(original):
        def call(*args, worker=None, **kwargs):
            worker._process.kill()
            worker._process.wait()
            return original(*args, worker=worker, **kwargs)
        return call
    target = "verify_saved_model" if victim == "tensorflow" else "check_version"
    monkeypatch.setattr(pipeline, target, killing(getattr(pipeline, target)))
    root = tmp_path / "serving_models"
    (root / "two" / "1").mkdir(parents=True)                 # an earlier version stays untouched
    before = tree_snapshot(root)
    with pytest.raises(ConverterError) as error:
        pipeline.convert(_config(example_checkpoints("TwoInTwoOut")["state_dict"], root))
    stage = "verify" if victim == "tensorflow" else "serving"
    assert f"the {stage} stage's process was killed by SIGKILL" in str(error.value), str(error.value)
    assert "\n" not in str(error.value)
    assert tree_snapshot(root) == before


def test_the_converting_process_never_imports_tensorflow(example_checkpoints, tmp_path):
    """The command line, a whole conversion included: TensorFlow is imported by the child processes only,
    and nothing of its start-up chatter reaches the user."""
    checkpoint = example_checkpoints("TwoInTwoOut")["state_dict"]
    args = ["convert", *convert_args("TwoInTwoOut", checkpoint, "two", tmp_path / "serving_models")]
    script = ("import json, sys\n"
              "from converter.cli.main import main\n"
              f"code = main({json.dumps(args)})\n"
              "print('EXIT', code, 'tensorflow' in sys.modules, 'tensorflow.python' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", script], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.stdout.strip().splitlines()[-1] == "EXIT 0 False False", done.stderr[-3000:]
    assert "signature_def['serving_default']" in done.stdout           # described by the TensorFlow child
    for chatter in ("absl::InitializeLog", "cuda", "oneDNN custom operations", "cpu_feature_guard"):
        assert chatter not in done.stderr, done.stderr[-3000:]


def test_tensorflow_imported_later_is_imported_quietly():
    """The command line's hook: a path that does import TensorFlow in the converting process (a diagnosis)
    gets it without start-up chatter, and the module is TensorFlow's own (its loader, its spec)."""
    script = ("from converter.tf_import import quiet_tensorflow_on_import\n"
              "quiet_tensorflow_on_import()\n"
              "import importlib.machinery, tensorflow as tf\n"
              "assert type(tf.__loader__).__name__ == 'SourceFileLoader', tf.__loader__\n"
              "assert tf.__spec__.loader is tf.__loader__\n"
              "print(int(tf.reduce_sum(tf.constant([1, 2, 3]))))\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", script], cwd=str(ROOT), env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "6", done.stderr[-3000:]
    assert "absl::InitializeLog" not in done.stderr and "cuda" not in done.stderr, done.stderr[-3000:]
