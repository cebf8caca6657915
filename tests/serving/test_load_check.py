"""The C API loader check: numbers against numpy, op check, and load failures."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from converter.errors import BadInputError, ConverterError, UnsupportedModelError
from converter.serving import op_check
from converter.serving.load_check import check_serving_load, compare_output
from tests.serving.conftest import make_feeds, reference, save_two_input_model


def test_every_signature_matches_numpy_at_batch_5(serving_root):
    feeds = make_feeds(5)
    report = check_serving_load(serving_root / "toy" / "2", feeds, reference(2, **feeds))
    assert report.ok, report.summary()
    assert set(report.signatures) == {"serving_default", "row_sum"}
    y = report.signatures["serving_default"].outputs["y"]
    assert y.shape == (5, 3) and y.dtype == "float32" and y.max_abs < 1e-5
    assert report.signatures["row_sum"].outputs["s"].max_abs < 1e-5
    assert report.ops.get("MatMul", 0) >= 1 and report.problems == []
    assert report.load_seconds is not None and report.tensorflow_version == tf.__version__
    assert report.python_tensorflow_imported is False  # the child used only the C API


def test_broken_variables_fail_the_load_or_every_request(serving_root, tmp_path):
    import shutil
    for case in ("truncated", "no_index"):
        shutil.copytree(serving_root / "toy" / "1", tmp_path / case / "1")
    with open(tmp_path / "truncated" / "1" / "variables" / "variables.data-00000-of-00001", "r+b") as data:
        data.truncate(10)
    with pytest.raises(ConverterError, match=r"TF Serving would fail to load .*TF_LoadSessionFromSavedModel"):
        check_serving_load(tmp_path / "truncated" / "1", make_feeds(1), None)
    # Without variables.index the C++ loader skips the restore and succeeds, like the server would;
    # every request then fails, which the check reports.
    (tmp_path / "no_index" / "1" / "variables" / "variables.index").unlink()
    report = check_serving_load(tmp_path / "no_index" / "1", make_feeds(1), None, signature_names=["serving_default"])
    assert not report.ok and "Could not find variable" in report.signatures["serving_default"].error


def test_corrupt_saved_model_pb_is_bad_input(serving_root, tmp_path):
    import shutil
    shutil.copytree(serving_root / "toy" / "1", tmp_path / "1")
    (tmp_path / "1" / "saved_model.pb").write_bytes(b"\x0a\xff\xff garbage")
    with pytest.raises(BadInputError, match="saved_model.pb"):
        check_serving_load(tmp_path / "1", make_feeds(1), None)


def test_parity_miss_is_reported_not_raised(serving_root):
    feeds = make_feeds(3)
    wrong = reference(1, **feeds)  # version 2 has other weights
    report = check_serving_load(serving_root / "toy" / "2", feeds, wrong, signature_names=["serving_default"])
    assert not report.ok and report.ops_ok
    assert report.signatures["serving_default"].outputs["y"].ok is False
    assert any("output y" in p for p in report.problems)


def test_unknown_signature_and_missing_feed_are_problems(serving_root):
    report = check_serving_load(serving_root / "toy" / "1", {"x": make_feeds(2)["x"]}, None,
                                signature_names=["serving_default", "nope"])
    errors = {name: result.error for name, result in report.signatures.items()}
    assert "no feed for input(s) ids" in errors["serving_default"]
    assert "not in the loaded MetaGraph" in errors["nope"]
    assert not report.ok


def test_python_callback_op_fails_the_op_check(tmp_path):
    class WithPyFunc(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def __call__(self, x):
            return {"y": tf.py_function(lambda v: v * 2, [x], tf.float32)}

    module = WithPyFunc()
    tf.saved_model.save(module, str(tmp_path / "1"), signatures={"serving_default": module.__call__})
    # This (Python) process can run it; the fresh C-API process, like TF Serving, has no kernel for it.
    assert module(tf.ones((1, 2)))["y"].numpy().tolist() == [[2.0, 2.0]]
    report = check_serving_load(tmp_path / "1", {"x": np.ones((1, 2), np.float32)}, None)
    assert not report.ok and not report.ops_ok
    assert any(p.startswith("Python callback ops EagerPyFunc") for p in report.problems)
    assert "No OpKernel was registered to support Op 'EagerPyFunc'" in report.signatures["serving_default"].error


def test_unregistered_op_raises_unsupported_model(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2
    version_dir = save_two_input_model(tmp_path / "1")
    saved = saved_model_pb2.SavedModel.FromString((version_dir / "saved_model.pb").read_bytes())
    renamed = 0
    for function in saved.meta_graphs[0].graph_def.library.function:
        for node in function.node_def:
            if node.op == "Relu":
                node.op, renamed = "Addons>FakeRelu", renamed + 1
    assert renamed
    (version_dir / "saved_model.pb").write_bytes(saved.SerializeToString())
    with pytest.raises(UnsupportedModelError, match=r"Addons>FakeRelu"):
        check_serving_load(version_dir, make_feeds(2), None)


def test_not_a_saved_model_is_bad_input(tmp_path):
    (tmp_path / "1").mkdir()
    with pytest.raises(BadInputError):
        check_serving_load(tmp_path / "1", make_feeds(1), None)


def test_serving_version_warnings_use_the_op_list(serving_root):
    from tensorflow.core.protobuf import saved_model_pb2
    saved = saved_model_pb2.SavedModel.FromString((serving_root / "toy" / "1" / "saved_model.pb").read_bytes())
    meta_graph = saved.meta_graphs[0]
    histogram, problems, warnings = op_check.check_ops(meta_graph, op_check.op_list_for("2.21"), "2.21")
    assert problems == [] and warnings == [] and histogram["MatMul"] >= 1
    _, _, old = op_check.check_ops(meta_graph, op_check.op_list_for("2.21"), "2.3")
    assert any("newer than TF Serving 2.3" in w for w in old) and any("no op list for TF 2.3" in w for w in old)


def test_compare_output_tolerances():
    expected = np.array([1.0, 2.0, 0.5])
    close = compare_output("y", expected + 1e-5, expected, atol=1e-4, rtol=1e-3)
    assert close.ok and close.max_abs == pytest.approx(1e-5)
    far = compare_output("y", expected + 1e-2, expected, atol=1e-4, rtol=1e-3)
    assert far.ok is False and far.max_rel == pytest.approx(1e-2 / 0.5)   # verify's definition: / |expected|
    nan = np.array([np.nan, 1.0])
    assert compare_output("y", nan, nan, 1e-4, 1e-3).ok                      # NaN where the reference has NaN
    assert compare_output("y", np.array([0.0, 1.0]), nan, 1e-4, 1e-3).ok is False
    assert compare_output("y", np.zeros(2), np.zeros(3), 1e-4, 1e-3).ok is False
