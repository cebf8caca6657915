"""The translate and savedmodel stages run in a child process (converter/translate/child.py).

An error raised in the child reaches the user as the same class, exit code and one-line message, with
nothing published; a child that crashes becomes a ConverterError naming the stage; the child's log
records reach the parent's loggers; the SignatureSpec survives the trip.
"""
from __future__ import annotations

import json
import logging
import os
import stat
import sys

import onnx
import pytest
from onnx import TensorProto, helper

from tests.e2e.conftest import run_script, tree_snapshot

pytestmark = pytest.mark.slow      # translate children and the convert command line


def _fp8_onnx(path):
    """ONNX Runtime runs it (so the reference stage passes); TensorFlow has no Cast kernel for this float8
    type, so our Cast handler raises OpTranslationError, inside the child, while the graph is traced."""
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["q"], to=TensorProto.FLOAT8E4M3FNUZ, name="to_fp8"),
                               helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT, name="from_fp8")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 10
    onnx.save(model, path)
    return path


def _relu_onnx(path):
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y.out"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
                              [helper.make_tensor_value_info("y.out", TensorProto.FLOAT, ["batch", 8])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), path)
    return path


def test_op_translation_error_in_child_reaches_the_cli(tmp_path):
    root = tmp_path / "serving_models"
    (root / "existing" / "1").mkdir(parents=True)       # an already-published model stays untouched
    before = tree_snapshot(root)
    result = run_script("convert.py", "--checkpoint", _fp8_onnx(tmp_path / "fp8.onnx"), "--name", "fp8",
                        "--serving-root", root, "--input", "x:float32:2x8", "--json")
    assert result.code == 3, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    line = result.last_error_line
    assert line == ("error: node 'to_fp8' (Cast, opset 19): TensorFlow has no Cast kernel for element type "
                    "FLOAT8E4M3FNUZ; keep this tensor in a wider type"), line
    summary = json.loads(result.stdout)
    assert (summary["exit_code"], summary["error"], summary["message"]) == (3, "OpTranslationError", line)
    assert tree_snapshot(root) == before                 # no staging folder, no fp8/ folder, no models.config


def test_error_in_child_comes_back_as_its_class(tmp_path):
    """In-process through ChildTranslation: the class (so the exit code) and the message, not a traceback."""
    from converter.errors import OpTranslationError
    from converter.translate.child import ChildTranslation
    from converter.translate.stage import TranslateSettings

    model = onnx.load(_fp8_onnx(tmp_path / "fp8.onnx"))
    settings = TranslateSettings("native", 1024, str(tmp_path), "", str(tmp_path / "saved"), ("serving_default",))
    with ChildTranslation(model, settings) as run:
        run.translate()
        with pytest.raises(OpTranslationError) as error:
            run.save()
    assert error.value.exit_code == 3
    assert str(error.value).startswith("node 'to_fp8' (Cast, opset 19): TensorFlow has no Cast kernel")
    assert "\n" not in str(error.value)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("translate-")]    # scratch folder removed


def test_bad_backend_fails_in_the_translate_stage(tmp_path):
    from converter.errors import BadInputError
    from converter.translate.child import ChildTranslation
    from converter.translate.stage import TranslateSettings

    model = onnx.load(_relu_onnx(tmp_path / "relu.onnx"))
    settings = TranslateSettings("tflite", 1024, str(tmp_path), "", str(tmp_path / "saved"), ("serving_default",))
    with ChildTranslation(model, settings) as run, pytest.raises(BadInputError, match="--backend 'tflite'"):
        run.translate()


def test_spec_and_log_records_come_back(tmp_path, caplog):
    from converter.savedmodel import signature_spec_from_onnx
    from converter.translate.child import ChildTranslation
    from converter.translate.stage import TranslateSettings

    model = onnx.load(_relu_onnx(tmp_path / "relu.onnx"))
    saved = tmp_path / "saved"
    settings = TranslateSettings("native", 1024, str(tmp_path), "", str(saved), ("predict", "serving_default"))
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="tensorflow")    # the CLI's setup (imported by other tests) quietens it
    with ChildTranslation(model, settings) as run:
        run.translate()
        spec = run.save()
    assert spec == signature_spec_from_onnx(model)
    assert [t.shape for t in spec.inputs] == [(None, 8)]
    assert (saved / "saved_model.pb").is_file()
    # tf.saved_model.save logs "Assets written to: ..." on the tensorflow logger, in the child
    assert any(r.name == "tensorflow" and "Assets written to" in r.getMessage() for r in caplog.records)


def test_child_killed_by_a_signal_is_a_converter_error(tmp_path, monkeypatch):
    """A child that dies without a result (here: SIGKILL at start-up, as the OOM killer would) becomes
    a ConverterError naming the stage and the signal."""
    from converter.errors import ConverterError
    from converter.translate.child import ChildTranslation
    from converter.translate.stage import TranslateSettings

    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'about to be killed'\nkill -9 $$\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(fake_python))
    model = onnx.load(_relu_onnx(tmp_path / "relu.onnx"))
    settings = TranslateSettings("native", 1024, str(tmp_path), "", str(tmp_path / "saved"), ("serving_default",))
    with ChildTranslation(model, settings) as run, pytest.raises(ConverterError) as error:
        run.translate()
    assert type(error.value) is ConverterError and error.value.exit_code == 4
    message = str(error.value)
    assert "translate stage" in message and "SIGKILL" in message and "nothing was published" in message
    assert "about to be killed" in message
    assert not os.path.exists(tmp_path / "saved")


def test_error_serialisation_round_trip():
    from converter.errors import (BadInputError, ParityError, UnsupportedOpsError, error_from_dict,
                                  error_to_dict)
    from converter.serving.capi import TFStatusError

    ops = UnsupportedOpsError({("com.example", "FancyOp", 1): 2}, "see the op list")
    for error in (BadInputError("bad --input"), ParityError("max abs 0.5"), ops, TFStatusError("status 3", 3),
                  KeyError("x"), ValueError("bad value")):
        again = error_from_dict(json.loads(json.dumps(error_to_dict(error))))
        assert type(again) is type(error) and str(again) == str(error)
    assert error_from_dict(error_to_dict(ops)).missing == ops.missing
    assert error_from_dict(error_to_dict(TFStatusError("status 3", 3))).code == 3

    class StrangeError(Exception):
        pass
    again = error_from_dict(error_to_dict(StrangeError("odd")))
    assert type(again).__name__ == "StrangeError" and str(again) == "odd" and isinstance(again, Exception)
