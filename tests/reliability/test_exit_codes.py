"""Each documented exit code from its situation, and the --json summary on success and failure.

In-process through the convert command's parser, run() and converter.cli.common.run_main (what the command line
runs), with a tiny hand-made ONNX model so no PyTorch export is needed.
"""
from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto, helper

from converter.cli import convert as convert_script
from converter.cli.common import run_main, setup_logging
from tests.e2e.conftest import tree_snapshot

# as convert --json does, before any test captures stderr (a handler bound to one test's captured
# stream would fail in the next test)
setup_logging(verbose=False, quiet=True)


def _relu_onnx(path, op="Relu", domain=""):
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"], domain=domain)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])])
    opsets = [helper.make_opsetid("", 18)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    onnx.save(helper.make_model(graph, opset_imports=opsets), path)
    return path


def _run(capsys, *argv: str) -> tuple[int, dict]:
    """convert.py with --json in-process; returns (exit code, the JSON summary printed on stdout)."""
    arguments = convert_script.build_parser().parse_args([*map(str, argv), "--json", "--warmup-batch-sizes", "1",
                                                          "--verify-batch-sizes", "1,2"])
    capsys.readouterr()
    code = run_main(lambda: convert_script.run(arguments), arguments.debug, json_errors=True)
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["exit_code"] == code and isinstance(summary["message"], str) and summary["message"]
    if code:
        assert summary["status"] == "failed" and summary["message"] == err.strip().splitlines()[-1]
        assert "Traceback" not in err, err[-4000:]
    return code, summary


def _args(path, root, name="m"):
    return ["--checkpoint", path, "--name", name, "--serving-root", root, "--input", "x:float32:2x8"]


@pytest.mark.slow
def test_exit_0_published_with_json(tmp_path, capsys):
    root = tmp_path / "serving_models"
    code, summary = _run(capsys, *_args(_relu_onnx(tmp_path / "relu.onnx"), root))
    assert code == 0 and summary["status"] == "published" and summary["version"] == 1, summary["message"]
    assert summary["report"]["parity"]["passed"] and (root / "m" / "1" / "saved_model.pb").is_file()


@pytest.mark.slow
def test_exit_1_parity_failure(tmp_path, capsys, monkeypatch):
    import tensorflow as tf

    import converter.pipeline as pipeline
    import converter.translate.stage as translate_stage
    from converter.tf_ops import load_default_registry

    registry = load_default_registry().copy()
    registry.override("Relu", 14, lambda ctx, node: [tf.nn.relu(node.inputs[0]) + 0.5])   # a wrong op
    monkeypatch.setattr(translate_stage, "load_default_registry", lambda: registry)
    # the patched registry exists in this process only: translate here instead of in the child process
    monkeypatch.setattr(pipeline, "ChildTranslation", translate_stage.InProcessTranslation)
    root = tmp_path / "serving_models"
    code, summary = _run(capsys, *_args(_relu_onnx(tmp_path / "relu.onnx"), root))
    assert (code, summary["error"]) == (1, "ParityError")
    assert tree_snapshot(root) == []


def test_exit_2_bad_input_and_usage(tmp_path, capsys):
    root = tmp_path / "serving_models"
    code, summary = _run(capsys, *_args(tmp_path / "missing.onnx", root))
    assert (code, summary["error"]) == (2, "BadInputError") and "missing.onnx" in summary["message"]
    with pytest.raises(SystemExit) as usage:                  # argparse: --name is required
        convert_script.build_parser().parse_args(["--checkpoint", "x.onnx"])
    assert usage.value.code == 2
    assert tree_snapshot(root) == []


def test_exit_3_unsupported_model(tmp_path, capsys):
    root = tmp_path / "serving_models"
    code, summary = _run(capsys, *_args(_relu_onnx(tmp_path / "fancy.onnx", "FancyOp", "com.example"), root))
    assert (code, summary["error"]) == (3, "UnsupportedOpsError") and "FancyOp" in summary["message"]
    assert tree_snapshot(root) == []


def test_exit_4_internal_error(tmp_path, capsys, monkeypatch):
    import converter.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("injected bug in a stage")
    monkeypatch.setattr(pipeline, "run_passes", broken)
    root = tmp_path / "serving_models"
    code, summary = _run(capsys, *_args(_relu_onnx(tmp_path / "relu.onnx"), root))
    assert (code, summary["error"]) == (4, "InternalError")
    assert summary["message"].startswith("internal error: RuntimeError: injected bug in a stage")
    assert "--debug" in summary["message"]
    assert not any(p.name.isdigit() for p in root.rglob("*"))
