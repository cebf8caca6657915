"""Verification in the conversion's TensorFlow worker, the process that translated and saved the model
eagerly just before, gives the same outputs, bit for bit, as the TF1 way in a fresh process (eager execution
switched off for the whole process, as the verification child did before the worker existed)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

from converter.child import EIGEN_KERNELS, ChildContext, ChildProcess
from tests.e2e.conftest import example_checkpoints  # noqa: F401  (fixture re-export)

pytestmark = pytest.mark.slow      # TensorFlow child processes


def tf1_process_outputs(request: dict, context: ChildContext) -> None:
    """The former verification child: graph mode for the whole process, then the TF1 loader."""
    import tensorflow as tf
    from tensorflow.python.util import deprecation

    tf.compat.v1.disable_eager_execution()
    feeds = dict(np.load(context.scratch / "in.npz"))
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        with deprecation.silence():
            meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], request["saved_model_dir"])
        signature = meta_graph.signature_def[request["signature"]]
        keys = sorted(signature.outputs)
        values = session.run([signature.outputs[k].name for k in keys],
                             {signature.inputs[k].name: v for k, v in feeds.items()})
    np.savez(context.scratch / "out.npz", **dict(zip(keys, values)))


@pytest.mark.parametrize("example", ["TinyResNet", "TwoInTwoOut"])
def test_verification_after_translation_in_one_process_equals_a_fresh_tf1_process(example, example_checkpoints,  # noqa: F811
                                                                                   tmp_path):
    from converter.config import ConversionConfig, InputSpec
    from converter.onnx_passes.pipeline import run_passes
    from converter.translate import ChildTranslation, TranslateSettings
    from converter.verify.inputs import make_feeds
    from converter.verify.session_runner import run_in_subprocess
    from converter.workers import tensorflow_worker
    from examples.models import EXAMPLES

    spec = EXAMPLES[example]
    onnx_path = example_checkpoints(example)["onnx"]
    inputs = tuple(InputSpec.parse(text) for text in spec.inputs)
    config = ConversionConfig(checkpoint=onnx_path, name="m", inputs=inputs)
    _, translated, _ = run_passes(onnx.load(onnx_path), config, str(onnx_path.parent))
    saved = tmp_path / "saved"
    feeds = make_feeds(inputs, 3, seed=7)
    with tensorflow_worker(tmp_path) as worker:
        settings = TranslateSettings("native", 1024, str(tmp_path), "", str(saved), ("serving_default",))
        with ChildTranslation(translated, settings, worker) as run:
            run.preflight()
            run.translate()
            run.save()
        shared = run_in_subprocess(saved, "serving_default", [feeds], kernels=EIGEN_KERNELS, worker=worker)[0]
    with ChildProcess(tf1_process_outputs, "verify", env=EIGEN_KERNELS) as child:
        np.savez(child.scratch / "in.npz", **feeds)
        child.run({"saved_model_dir": str(saved), "signature": "serving_default"})
        alone = dict(np.load(child.scratch / "out.npz"))
    assert sorted(shared) == sorted(alone) == sorted(spec.outputs)
    for key in alone:
        np.testing.assert_array_equal(shared[key], alone[key], err_msg=key)
