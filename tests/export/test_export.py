"""Stage 2: ONNX export with a dynamic batch, checked in onnxruntime against PyTorch eager."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from converter.checkpoint import LoadedCheckpoint, load_checkpoint
from converter.config import ConversionConfig, InputSpec
from converter.errors import BadInputError, UnsupportedModelError
from converter.export import export_to_onnx, save
from converter.export.example_inputs import make_feeds
from examples import models


def loaded(module, fmt="state_dict"):
    return LoadedCheckpoint(fmt, Path("memory.pt"), module.eval(), None)


def specs(*texts, ranges=None):
    ranges = ranges or {}
    out = []
    for text in texts:
        spec = InputSpec.parse(text)
        out.append(spec.with_range(*ranges[spec.name]) if spec.name in ranges else spec)
    return tuple(out)


def config(inputs, outputs=(), **kwargs):
    return ConversionConfig(checkpoint="memory.pt", name="m", inputs=inputs, outputs=tuple(outputs), **kwargs)


def torch_outputs(module, feeds, names):
    with torch.no_grad():
        out = module(*(torch.from_numpy(feeds[n]) for n in names))
    if isinstance(out, dict):
        out = list(out.values())
    return [t.numpy() for t in ((out,) if isinstance(out, torch.Tensor) else out)]


def assert_matches_torch(result, module, inputs, batches=(1, 3, 8), atol=1e-5):
    session = ort.InferenceSession(str(result.onnx_path))
    names = [s.name for s in inputs]
    for batch in batches:
        feeds = make_feeds(inputs, batch, seed=100 + batch)
        got = session.run(None, feeds)
        want = torch_outputs(module, feeds, names)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.shape[0] == batch
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=atol)


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.mark.slow
def test_dynamo_export_has_a_dynamic_batch_even_from_an_example_batch_of_1(tmp_path):
    model = models.build("TinyResNet")
    inputs = specs("input_img:float32:1x3x32x32")
    result = export_to_onnx(loaded(model), config(inputs, ["confidences"]), tmp_path)
    assert result.exporter == "dynamo" and result.opset == 18 and result.warnings == ()
    assert [dims(i) for i in result.model.graph.input] == [["batch", 3, 32, 32]]
    assert [(o.name, dims(o)) for o in result.model.graph.output] == [("confidences", ["batch", 10])]
    assert_matches_torch(result, model, inputs)


@pytest.mark.slow
@pytest.mark.parametrize("mask_dtype", ["int64", "bool"])
def test_int64_token_ids_with_mask_and_a_dynamic_sequence_axis(tmp_path, mask_dtype):
    model = models.build("TinyTransformerEncoder")
    inputs = specs("input_ids:int64:2x16", f"attention_mask:{mask_dtype}:2x16", ranges={"input_ids": (0, 100)})
    axes = (("input_ids", 1, "seq"), ("attention_mask", 1, "seq"))
    result = export_to_onnx(loaded(model), config(inputs, ["logits"], dynamic_axes=axes), tmp_path)
    assert result.exporter == "dynamo"
    graph_inputs = {i.name: (i.type.tensor_type.elem_type, dims(i)) for i in result.model.graph.input}
    mask_type = onnx.TensorProto.BOOL if mask_dtype == "bool" else onnx.TensorProto.INT64
    assert graph_inputs == {"input_ids": (onnx.TensorProto.INT64, ["batch", "seq"]),
                            "attention_mask": (mask_type, ["batch", "seq"])}
    assert_matches_torch(result, model, inputs)
    shorter = specs("input_ids:int64:2x9", f"attention_mask:{mask_dtype}:2x9", ranges={"input_ids": (0, 100)})
    assert_matches_torch(result, model, shorter, batches=(3,))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["TwoInTwoOut", "TwoInTwoOutDict"])
def test_two_inputs_two_outputs_as_tuple_or_dict(tmp_path, name):
    model = models.build(name)
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    result = export_to_onnx(loaded(model), config(inputs, ["scores", "features"]), tmp_path)
    assert [o.name for o in result.model.graph.output] == ["scores", "features"]
    assert [i.name for i in result.model.graph.input] == ["x", "y"]
    assert_matches_torch(result, model, inputs)


@pytest.mark.slow
def test_unnamed_outputs_become_output_i(tmp_path):
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    result = export_to_onnx(loaded(models.build("TwoInTwoOutDict")), config(inputs), tmp_path)
    assert [o.name for o in result.model.graph.output] == ["output_0", "output_1"]


class BranchOnData(torch.nn.Module):
    """Data-dependent control flow: torch.export cannot capture it, tracing bakes one branch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            return x * 2
        return x - 1


def test_scripted_control_flow_goes_to_the_torchscript_exporter_and_keeps_both_branches(tmp_path):
    scripted = torch.jit.script(BranchOnData())
    inputs = specs("x:float32:2x4")
    result = export_to_onnx(loaded(scripted, "torchscript"), config(inputs, ["y"]), tmp_path)
    assert result.exporter == "torchscript"
    assert any("TorchScript-based exporter" in w for w in result.warnings)
    assert "If" in {node.op_type for node in result.model.graph.node}
    session = ort.InferenceSession(str(result.onnx_path))
    for sign, batch in ((1, 1), (-1, 3), (1, 8)):
        x = sign * np.abs(np.random.default_rng(batch).standard_normal((batch, 4))).astype(np.float32)
        np.testing.assert_allclose(session.run(None, {"x": x})[0], np.where(sign > 0, x * 2, x - 1), rtol=1e-6)


def test_data_dependent_python_model_falls_back_with_tracer_warnings(tmp_path):
    inputs = specs("x:float32:2x4")
    result = export_to_onnx(loaded(BranchOnData(), "pickled_module"), config(inputs, ["y"]), tmp_path)
    assert result.exporter == "torchscript"
    assert any("torch.export-based exporter failed" in w and "fell back" in w for w in result.warnings)
    tracer = [w for w in result.warnings if w.startswith("tracer:")]
    assert tracer and "test_export.py" in tracer[0]


@pytest.mark.slow
def test_exported_program_is_exported_directly(tmp_path):
    model = models.build("TwoInTwoOut")
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    batch = torch.export.Dim("batch")
    program = torch.export.export(model, (torch.randn(2, 8), torch.randn(2, 4)),
                                  dynamic_shapes=({0: batch}, {0: batch}))
    result = export_to_onnx(LoadedCheckpoint("exported_program", tmp_path / "p.pt2", program, None),
                            config(inputs, ["scores", "features"]), tmp_path)
    assert result.exporter == "dynamo"
    assert_matches_torch(result, model, inputs)


@pytest.mark.slow
def test_exported_program_with_a_static_batch_is_flagged(tmp_path):
    program = torch.export.export(models.build("TwoInTwoOut"), (torch.randn(2, 8), torch.randn(2, 4)))
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    result = export_to_onnx(LoadedCheckpoint("exported_program", tmp_path / "p.pt2", program, None),
                            config(inputs, ["scores", "features"]), tmp_path)
    assert any("x[0]=2, y[0]=2" in w and "static" in w for w in result.warnings)
    assert dims(result.model.graph.input[0]) == ["batch", 8]


@pytest.mark.slow
def test_large_models_use_external_data(tmp_path, monkeypatch):
    monkeypatch.setattr(save, "EXTERNAL_DATA_THRESHOLD_BYTES", 64 * 1024)   # TinyResNet holds ~310 KB
    model = models.build("TinyResNet")
    inputs = specs("input_img:float32:2x3x32x32")
    result = export_to_onnx(loaded(model), config(inputs, ["confidences"]), tmp_path)
    external = [t for t in result.model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    assert external, "weights should have moved to external data"
    locations = {entry.value for t in external for entry in t.external_data if entry.key == "location"}
    assert all((result.onnx_path.parent / loc).stat().st_size > 0 for loc in locations)
    assert result.onnx_path.stat().st_size < 64 * 1024
    assert_matches_torch(result, model, inputs, batches=(1, 3))


def test_finalize_moves_weights_out_above_the_threshold(tmp_path):
    weights = np.arange(4096, dtype=np.float32).reshape(64, 64)
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["batch", 64])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["batch", 64])],
        [onnx.numpy_helper.from_array(weights, "w")])
    path = tmp_path / "small.onnx"
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18)], ir_version=10), str(path))
    assert not save.uses_external_data(save.finalize_onnx_file(path, threshold=10**9))
    model = save.finalize_onnx_file(path, threshold=1000)
    assert save.uses_external_data(model)
    assert (tmp_path / "small.onnx.data").stat().st_size == weights.nbytes
    x = np.ones((3, 64), np.float32)
    np.testing.assert_allclose(ort.InferenceSession(str(path)).run(None, {"x": x})[0], x @ weights)


def test_wrong_input_rank_names_the_input(tmp_path):
    with pytest.raises(BadInputError, match=r"input_img:float32:1x32x32.*rank, dtype and order"):
        export_to_onnx(loaded(models.build("TinyResNet")), config(specs("input_img:float32:1x32x32")), tmp_path)


def test_wrong_input_dtype_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match=r"input_ids:float32:2x16"):
        export_to_onnx(loaded(models.build("TinyTransformerEncoder")),
                       config(specs("input_ids:float32:2x16", "attention_mask:int64:2x16")), tmp_path)


def test_output_count_mismatch_and_missing_inputs(tmp_path):
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    with pytest.raises(BadInputError, match=r"--output names 1 outputs \(scores\) but the model returns 2"):
        export_to_onnx(loaded(models.build("TwoInTwoOut")), config(inputs, ["scores"]), tmp_path)
    with pytest.raises(BadInputError, match="--input name:dtype:shape"):
        export_to_onnx(loaded(models.build("TwoInTwoOut")), config(()), tmp_path)


def _identity_onnx(path, in_name="a", out_name="b"):
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", [in_name], [out_name])], "g",
        [onnx.helper.make_tensor_value_info(in_name, onnx.TensorProto.FLOAT, ["n", 3])],
        [onnx.helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, ["n", 3])])
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18)], ir_version=10), str(path))
    return LoadedCheckpoint("onnx", path, None, onnx.load(str(path)))


def test_onnx_file_passes_through_or_gets_the_names_asked_for(tmp_path):
    source = _identity_onnx(tmp_path / "relu.onnx")
    same = export_to_onnx(source, config(specs("a:float32:2x3"), ["b"]), tmp_path / "w1")
    assert same.exporter == "onnx-file" and same.onnx_path == source.path and same.warnings == ()
    renamed = export_to_onnx(source, config(specs("pixels:float32:2x3"), ["scores"]), tmp_path / "w2")
    assert [i.name for i in renamed.model.graph.input] == ["pixels"]
    assert [o.name for o in renamed.model.graph.output] == ["scores"]
    x = np.array([[-1, 0, 2]], np.float32)
    np.testing.assert_array_equal(ort.InferenceSession(str(renamed.onnx_path)).run(["scores"], {"pixels": x})[0],
                                  [[0, 0, 2]])
    with pytest.raises(BadInputError, match="has 1 inputs .* but --input gives 2"):
        export_to_onnx(source, config(specs("a:float32:2x3", "c:float32:2x3")), tmp_path / "w3")
    with pytest.raises(BadInputError, match="takes 'a' as float32 of rank 2; match its dtype and rank"):
        export_to_onnx(source, config(specs("a:float32:2x3x4")), tmp_path / "w4")
    with pytest.raises(BadInputError, match="takes 'a' as float32 of rank 2"):
        export_to_onnx(source, config(specs("a:int64:2x3")), tmp_path / "w5")


def test_forced_torchscript_exporter_flattens_dict_outputs(tmp_path):
    model = models.build("TwoInTwoOutDict")
    inputs = specs("x:float32:2x8", "y:float32:2x4")
    result = export_to_onnx(loaded(model), config(inputs, ["scores", "features"], exporter="torchscript"), tmp_path)
    assert result.exporter == "torchscript"
    assert [(o.name, dims(o)) for o in result.model.graph.output] == [("scores", ["batch", 2]),
                                                                       ("features", ["batch", 6])]
    assert_matches_torch(result, model, inputs)


def test_onnx_file_with_external_data_keeps_working_when_renamed(tmp_path):
    weights = np.arange(1024, dtype=np.float32).reshape(32, 32) / 100
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("MatMul", ["a", "w"], ["b"])], "g",
        [onnx.helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, ["n", 32])],
        [onnx.helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, ["n", 32])],
        [onnx.numpy_helper.from_array(weights, "w")])
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18)], ir_version=10),
              str(source_dir / "mm.onnx"), save_as_external_data=True, location="mm.weights", size_threshold=0)
    cfg = ConversionConfig(checkpoint=source_dir / "mm.onnx", name="mm", inputs=specs("features:float32:1x32"))
    source = load_checkpoint(cfg)
    assert any("external data" in note for note in source.notes)
    result = export_to_onnx(source, cfg, tmp_path / "work")
    assert result.onnx_path.parent == tmp_path / "work" and save.uses_external_data(result.model)
    x = np.ones((3, 32), np.float32)
    got = ort.InferenceSession(str(result.onnx_path)).run(None, {"features": x})[0]
    np.testing.assert_allclose(got, x @ weights, rtol=1e-6)


def test_forcing_dynamo_on_a_script_module_is_unsupported(tmp_path):
    scripted = torch.jit.script(BranchOnData())
    with pytest.raises(UnsupportedModelError, match="ONNX export failed .*try --exporter torchscript"):
        export_to_onnx(loaded(scripted, "torchscript"), config(specs("x:float32:2x4"), exporter="dynamo"), tmp_path)
