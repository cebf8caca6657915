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


def test_kept_workers_serve_the_next_small_conversion_and_never_a_large_one(example_checkpoints, tmp_path,
                                                                             monkeypatch):
    """keep_workers_between_conversions() (convert-many's workers): a second small conversion runs in the
    first one's processes and publishes the same files with the same parity; a large model gets fresh ones."""
    import converter.workers as workers
    from converter.pipeline import convert

    checkpoint = example_checkpoints("TwoInTwoOut")["state_dict"]
    started = _count_workers(monkeypatch)
    with workers.keep_workers_between_conversions():
        first = convert(_config(checkpoint, tmp_path / "root"))
        second = convert(_config(checkpoint, tmp_path / "root"))
        assert started == {"tensorflow": 1, "serving": 1} and second.version == 2
        assert "tensorflow process start-up" in first.report["process_seconds"]
        assert not any(key.endswith("process start-up") for key in second.report["process_seconds"])
        for relative in PUBLISHED_FILES[1:]:
            assert (first.version_dir / relative).read_bytes() == (second.version_dir / relative).read_bytes(), \
                relative
        assert _numbered_functions(first.version_dir) == _numbered_functions(second.version_dir)
        assert first.report["parity"] == second.report["parity"] and second.report["parity"]["passed"]
        monkeypatch.setattr(workers, "SHARED_MAX_WEIGHT_BYTES", 0)
        convert(_config(checkpoint, tmp_path / "root"))
        # the kept workers are closed once the size is known; translation, verification and the C API
        # check then get fresh processes as without keeping, and none is kept after
        assert started == {"tensorflow": 1 + 2, "serving": 1 + 1} and workers._kept == {}


def _numbered_functions(version_dir) -> str:
    """saved_model.pb as text, TF's generated function names numbered by creation order: TF names each one
    `__inference_<name>_<N>` from a counter of the process, so a kept TensorFlow worker's second SavedModel
    has `__inference__serve_135` where a fresh process's has `__inference__serve_23`, nothing else differing."""
    import re

    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    text = text_format.MessageToString(saved_model_pb2.SavedModel.FromString(
        (version_dir / "saved_model.pb").read_bytes()))
    pattern = re.compile(r"(__inference_\w+?)_(\d+)\b")
    order = {n: i for i, n in enumerate(sorted({int(m.group(2)) for m in pattern.finditer(text)}))}
    saved = text_format.Parse(pattern.sub(lambda m: f"{m.group(1)}_#{order[int(m.group(2))]}", text),
                              saved_model_pb2.SavedModel())
    for meta_graph in saved.meta_graphs:       # the library is in name order: the new names' order
        functions = sorted(meta_graph.graph_def.library.function, key=lambda f: f.signature.name)
        del meta_graph.graph_def.library.function[:]
        meta_graph.graph_def.library.function.extend(functions)
    return text_format.MessageToString(saved)


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
