"""converter.convert() end to end: a live module defined in the test, an ExportedProgram, a ScriptModule, an
onnx.ModelProto and a checkpoint path, each published as a verified version (tiny models: each conversion
still runs the translate, verification and load-check children, ~30-60 s)."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

import converter
from converter.verify.session_runner import run_in_subprocess

TOLERANCE = 1e-4


def _tiny_cnn() -> torch.nn.Module:
    class TinyCnn(torch.nn.Module):        # defined in a function: no importable class, cannot be pickled
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.norm = torch.nn.BatchNorm2d(4)
            self.head = torch.nn.Linear(4 * 8 * 8, 5)

        def forward(self, image):
            return self.head(torch.relu(self.norm(self.conv(image))).flatten(1))

    torch.manual_seed(0)
    return TinyCnn()


def _assert_published(result, root, name: str, version: int = 1) -> None:
    assert result.version == version
    assert result.version_dir == root / name / str(version)
    assert (result.version_dir / "saved_model.pb").is_file()
    assert json.loads(result.report_path.read_text())["version"] == version
    assert f'name: "{name}"' in (root / "models.config").read_text()


def _assert_parity(result, references=("pytorch", "onnxruntime")) -> None:
    rows = result.parity.rows
    assert rows and all(row.passed for row in rows)
    assert {row.reference for row in rows} == set(references)
    assert {row.batch for row in rows} >= {1, 3, 8}
    assert max(row.max_abs for row in rows) < TOLERANCE
    assert str(result.parity).splitlines()[0].split()[:3] == ["batch", "inputs", "reference"]


def _tensors(signature) -> dict:
    return {key: (info.dtype, info.shape) for key, info in {**signature.inputs, **signature.outputs}.items()}


@pytest.mark.slow
def test_live_module_defined_in_the_test(tmp_path):
    model = _tiny_cnn().train()
    root = tmp_path / "serving_models"
    result = converter.convert(model, torch.randn(1, 3, 8, 8), name="inline", serving_root=root,
                               input_names=["image"], output_names=["scores"], signature="predict_images")
    _assert_published(result, root, "inline")
    assert set(result.signatures) == {"predict_images", "serving_default"}
    for signature in result.signatures.values():
        assert signature.method_name == "tensorflow/serving/predict"
        assert _tensors(signature) == {"image": ("float32", (-1, 3, 8, 8)), "scores": ("float32", (-1, 5))}
    _assert_parity(result)
    assert result.report["source"]["format"] == "nn_module"
    assert result.report["source"]["checkpoint"] == "<in-memory TinyCnn>"
    assert any("eval mode" in note for note in result.report["source"]["notes"])
    assert model.training and model.norm.training                 # the caller's module as it was
    assert str(result).startswith(f"published {result.version_dir} (version 1)")
    # the published version as TF Serving runs it (TF1 session, signature by name) against eager PyTorch
    x = np.random.default_rng(1).standard_normal((5, 3, 8, 8)).astype(np.float32)
    served = run_in_subprocess(result.version_dir, "predict_images", [{"image": x}])[0]["scores"]
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(served, expected, atol=TOLERANCE, rtol=1e-3)


@pytest.mark.slow
def test_exported_program(tmp_path):
    model = _tiny_cnn().eval()
    x = torch.randn(2, 3, 8, 8)
    program = torch.export.export(model, (x,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    root = tmp_path / "serving_models"
    result = converter.convert(program, x, name="program", serving_root=root)
    _assert_published(result, root, "program")
    assert _tensors(result.signatures["serving_default"]) == {"input_0": ("float32", (-1, 3, 8, 8)),
                                                              "output_0": ("float32", (-1, 5))}
    _assert_parity(result)
    assert result.report["source"]["format"] == "exported_program" and result.report["exporter"] == "dynamo"


@pytest.mark.slow
def test_script_module_and_a_second_version(tmp_path):
    scripted = torch.jit.script(_tiny_cnn().eval())
    root = tmp_path / "serving_models"
    first = converter.convert(scripted, {"image": torch.randn(1, 3, 8, 8)}, name="scripted", serving_root=root,
                              verify_batch_sizes=(1, 3, 8), warmup_batch_sizes=(1,))
    _assert_published(first, root, "scripted")
    _assert_parity(first)
    assert first.report["source"]["format"] == "torchscript" and first.report["exporter"] == "torchscript"
    assert _tensors(first.signatures["serving_default"])["image"] == ("float32", (-1, 3, 8, 8))
    with pytest.raises(converter.PublishError, match="already exists"):     # never overwritten without force
        converter.convert(scripted, torch.randn(1, 3, 8, 8), name="scripted", serving_root=root, version=1)


def _onnx_linear_relu() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    weight = helper.make_tensor("w", TensorProto.FLOAT, (6, 3), rng.standard_normal((6, 3)).astype(np.float32).ravel())
    bias = helper.make_tensor("b", TensorProto.FLOAT, (3,), rng.standard_normal(3).astype(np.float32))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "w"], ["mm"]), helper.make_node("Add", ["mm", "b"], ["sum"]),
         helper.make_node("Relu", ["sum"], ["activations"])], "linear_relu",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 6])],
        [helper.make_tensor_value_info("activations", TensorProto.FLOAT, ["batch", 3])], [weight, bias])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)


@pytest.mark.slow
def test_onnx_model_proto_without_example_inputs(tmp_path):
    root = tmp_path / "serving_models"
    result = converter.convert(_onnx_linear_relu(), name="proto", serving_root=root)
    _assert_published(result, root, "proto")
    assert _tensors(result.signatures["serving_default"]) == {"features": ("float32", (-1, 6)),
                                                              "activations": ("float32", (-1, 3))}
    _assert_parity(result, references=("onnxruntime",))
    assert result.report["source"]["format"] == "onnx" and result.report["exporter"] == "onnx-file"


@pytest.mark.slow
def test_checkpoint_path_with_model_class(tmp_path):
    from examples.models import build

    path = tmp_path / "two.pt"
    torch.save(build("TwoInTwoOut").state_dict(), path)
    root = tmp_path / "serving_models"
    result = converter.convert(str(path), (torch.zeros(1, 8), torch.zeros(1, 4)), name="two", serving_root=root,
                               input_names=["a", "b"], output_names=["scores", "features"],
                               model_class="examples.models:TwoInTwoOut")
    _assert_published(result, root, "two")
    signature = result.signatures["serving_default"]
    assert set(signature.inputs) == {"a", "b"} and set(signature.outputs) == {"scores", "features"}
    assert all(info.shape[0] == -1 for info in {**signature.inputs, **signature.outputs}.values())
    _assert_parity(result)
    assert result.report["source"]["format"] == "state_dict"


def test_input_the_model_rejects_is_a_bad_input_error_and_publishes_nothing(tmp_path):
    root = tmp_path / "serving_models"
    with pytest.raises(converter.BadInputError, match="the model rejected the example inputs") as caught:
        converter.convert(torch.nn.Linear(4, 2), torch.zeros(1, 3), name="wrong", serving_root=root)
    assert caught.value.exit_code == 2
    assert not root.exists()
