"""Bad input at each stage: one clear line, the documented exit code, and serving_models/ unchanged."""
from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto, helper

from tests.e2e.conftest import convert_args, run_script, tree_snapshot

pytestmark = pytest.mark.slow      # every test runs the convert command line in a process


def _assert_clean_failure(result, code, *fragments, root=None, before=None):
    assert result.code == code, (result.code, result.stderr[-2000:])
    line = result.last_error_line
    assert line.startswith("error: "), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in line, line
    if root is not None:
        assert tree_snapshot(root) == before


def test_missing_checkpoint_file(tmp_path):
    root = tmp_path / "serving_models"
    result = run_script("convert.py", "--checkpoint", tmp_path / "nope.pt", "--name", "m", "--serving-root", root,
                        "--input", "x:float32:1x3")
    _assert_clean_failure(result, 2, "nope.pt", root=root, before=[])


def test_bad_model_class(example_checkpoints, tmp_path):
    root = tmp_path / "serving_models"
    args = convert_args("TwoInTwoOut", example_checkpoints("TwoInTwoOut")["state_dict"], "m", root)
    args[args.index("examples.models:TwoInTwoOut")] = "examples.models:NoSuchNet"
    _assert_clean_failure(run_script("convert.py", *args), 2, "NoSuchNet", root=root, before=[])


def test_wrong_input_rank(example_checkpoints, tmp_path):
    root = tmp_path / "serving_models"
    args = convert_args("TinyResNet", example_checkpoints("TinyResNet")["state_dict"], "m", root)
    args[args.index("input_img:float32:1x3x32x32")] = "input_img:float32:1x3x32"
    _assert_clean_failure(run_script("convert.py", *args), 2, "input_img", root=root, before=[])


def test_bad_input_spec_flag(tmp_path):
    result = run_script("convert.py", "--checkpoint", tmp_path / "x.pt", "--name", "m", "--input", "x:float99:1x3")
    _assert_clean_failure(result, 2, "float99")


def test_unsupported_op_in_hand_made_onnx(tmp_path):
    root = tmp_path / "serving_models"
    (root / "existing" / "1").mkdir(parents=True)       # an already-published model stays untouched
    before = tree_snapshot(root)
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]),
         helper.make_node("FancyOp", ["r"], ["y"], domain="com.example", name="my_fancy_node")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.example", 1)])
    path = tmp_path / "fancy.onnx"
    onnx.save(model, path)
    result = run_script("convert.py", "--checkpoint", path, "--name", "fancy", "--serving-root", root)
    _assert_clean_failure(result, 3, "FancyOp", "com.example", "opset 1", root=root, before=before)


@pytest.mark.slow
def test_never_overwrite_and_force(example_checkpoints, tmp_path):
    root = tmp_path / "serving_models"
    args = convert_args("TwoInTwoOut", example_checkpoints("TwoInTwoOut")["state_dict"], "two", root)
    assert run_script("convert.py", *args).code == 0
    assert run_script("convert.py", *args).code == 0          # no --version: publishes 2
    assert sorted(p.name for p in (root / "two").iterdir() if p.name.isdigit()) == ["1", "2"]
    first = (root / "two" / "1" / "saved_model.pb").read_bytes()
    before = tree_snapshot(root)
    _assert_clean_failure(run_script("convert.py", *args, "--version", "1"), 2, "already exists", "--force",
                          root=root, before=before)
    assert (root / "two" / "1" / "saved_model.pb").read_bytes() == first
    forced = run_script("convert.py", *args, "--version", "1", "--force", "--seed", "7")
    assert forced.code == 0, forced.stderr[-2000:]
    assert sorted(p.name for p in (root / "two").iterdir() if p.name.isdigit()) == ["1", "2"]
    assert not [p for p in (root / "two").iterdir() if p.name.startswith("_staging")]


def test_parity_failure_publishes_nothing(tmp_path, monkeypatch):
    """A deliberately wrong Relu translation (injected into a copy of the registry) must fail parity
    with exit code 1 and leave nothing in the serving root."""
    import tensorflow as tf

    import converter.pipeline as pipeline
    import converter.translate.stage as translate_stage
    from converter.config import ConversionConfig, InputSpec
    from converter.errors import ParityError
    from converter.pipeline import convert
    from converter.tf_ops import load_default_registry

    registry = load_default_registry().copy()
    registry.override("Relu", 14, lambda ctx, node: [tf.nn.relu(node.inputs[0]) + 0.5])
    monkeypatch.setattr(translate_stage, "load_default_registry", lambda: registry)
    # the patched registry exists in this process only: translate here instead of in the child process
    monkeypatch.setattr(pipeline, "ChildTranslation", translate_stage.InProcessTranslation)
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])])
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), path)
    root = tmp_path / "serving_models"
    config = ConversionConfig(checkpoint=path, name="relu", serving_root=root,
                              inputs=(InputSpec("x", "float32", (2, 8)),))
    with pytest.raises(ParityError) as error:
        convert(config)
    assert error.value.exit_code == 1
    message = str(error.value)
    assert "max abs 0.5" in message and "nothing was published" in message
    assert "first divergent nodes: Relu node" in message
    assert tree_snapshot(root) == []
    diagnosis = json.loads((tmp_path / "diagnosis" / "relu" / "diagnosis.json").read_text())
    assert diagnosis["first_divergent"]["op_type"] == "Relu"
    assert abs(diagnosis["first_divergent"]["max_abs"] - 0.5) < 1e-6
    assert (tmp_path / "diagnosis" / "relu" / "diagnosis.png").stat().st_size > 1000
