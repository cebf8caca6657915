"""The calibrated parity check on a real deep network (torchvision ResNet-18, random weights, BatchNorm
statistics calibrated, logits scaled to ~100 so float32 noise exceeds the fixed atol): at noise it passes;
one layer made 1% wrong, or wrong only at batch 8, still fails. The wrong layer is injected into the graph
that our translator turns into the SavedModel, while PyTorch and ONNX Runtime run the true model."""
from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch
from onnx import TensorProto, helper

from converter.backend import prepare
from converter.checkpoint import LoadedCheckpoint, run_eager
from converter.config import ConversionConfig, InputSpec
from converter.export import export_to_onnx
from converter.onnx_passes.pipeline import run_passes
from converter.savedmodel.export import export_saved_model
from converter.verify import make_feed_sets, onnxruntime_outputs, verify_saved_model
from benchmarks.zoo import torchvision_shim

pytestmark = pytest.mark.slow
SPECS = (InputSpec.parse("x:float32:2x3x96x96"),)


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    """(exported ONNX model, feed sets, references {pytorch, onnxruntime}) of a calibrated ResNet-18."""
    torch.manual_seed(0)
    model = _torchvision_models().resnet18(num_classes=100)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(8, 3, 96, 96))
        model.fc.weight.mul_(400.0)
    model.eval()
    work = tmp_path_factory.mktemp("resnet18")
    loaded = LoadedCheckpoint("state_dict", Path("resnet18.pt"), model, None)
    config = ConversionConfig(checkpoint=Path("resnet18.pt"), name="r18", inputs=SPECS, outputs=("logits",))
    canonical, _, _ = run_passes(export_to_onnx(loaded, config, work).model, config)
    feed_sets = make_feed_sets(SPECS, (1, 3, 8), seed=0)
    expected = {"pytorch": [run_eager(loaded, s.feeds, ["x"]) for s in feed_sets],
                "onnxruntime": onnxruntime_outputs(canonical, [s.feeds for s in feed_sets])}
    return canonical, feed_sets, expected, work


def _verify(model: onnx.ModelProto, deep, folder: str, calibrated: bool = True):
    _, feed_sets, expected, work = deep
    path = work / folder
    spec = export_saved_model(prepare(model).module, model, path)
    report, _ = verify_saved_model(path, "serving_default", spec, feed_sets, expected, 1e-4, 1e-3,
                                   calibrated=calibrated)
    return report


def _scaled_after_first_conv(model: onnx.ModelProto, factor_at_batch) -> onnx.ModelProto:
    """A copy whose first residual-stage convolution's output is multiplied by `factor_at_batch` nodes."""
    wrong = onnx.ModelProto()
    wrong.CopyFrom(model)
    graph = wrong.graph
    index, conv = next((i, n) for i, n in enumerate(graph.node) if n.op_type == "Conv" and i > 3)
    original = conv.output[0]
    conv.output[0] = f"{original}_true"
    extra = factor_at_batch(f"{original}_true", original)
    for offset, node in enumerate(extra):
        graph.node.insert(index + 1 + offset, node)
    graph.initializer.extend([helper.make_tensor(n, TensorProto.FLOAT, [], [v])
                              for n, v in (("one_percent", 0.01), ("one", 1.0))])
    graph.initializer.extend([helper.make_tensor("eight", TensorProto.INT64, [1], [8]),
                              helper.make_tensor("zero", TensorProto.INT64, [1], [0])])
    return wrong


def _always(source: str, target: str):
    return [helper.make_node("Add", ["one", "one_percent"], ["factor"]),
            helper.make_node("Mul", [source, "factor"], [target])]


def _only_at_batch_8(source: str, target: str):
    return [helper.make_node("Shape", [source], ["shape"]), helper.make_node("Gather", ["shape", "zero"], ["n"]),
            helper.make_node("Equal", ["n", "eight"], ["is8"]), helper.make_node("Cast", ["is8"], ["is8f"], to=1),
            helper.make_node("Mul", ["is8f", "one_percent"], ["bump"]),
            helper.make_node("Add", ["one", "bump"], ["factor"]), helper.make_node("Mul", [source, "factor"], [target])]


def test_resnet_at_float32_noise_passes_and_reports_the_floor(deep):
    model = deep[0]
    report = _verify(model, deep, "true")
    assert report.passed, report.table()
    worst = max(report.rows, key=lambda r: r.max_abs)
    assert worst.noise_floor is not None and worst.noise_floor > 0 and worst.scale > 10
    assert max(r.noise_ratio for r in report.rows) < 10
    assert all(g.is_noise for g in report.gaps)
    # the same errors, judged by the fixed element-wise tolerance alone, refuse this correct model
    strict = _verify(model, deep, "true_strict", calibrated=False)
    assert [r.max_abs for r in strict.rows] == pytest.approx([r.max_abs for r in report.rows], rel=1e-6)
    assert not strict.passed


def test_one_layer_one_percent_wrong_fails(deep):
    report = _verify(_scaled_after_first_conv(deep[0], _always), deep, "wrong")
    assert not report.passed
    assert all(not r.passed for r in report.rows if r.inputs == "normal")
    assert min(r.noise_ratio for r in report.failures()) > 10


def test_wrong_only_at_batch_8_fails_at_batch_8(deep):
    report = _verify(_scaled_after_first_conv(deep[0], _only_at_batch_8), deep, "wrong8")
    failing = {(r.batch, r.inputs) for r in report.failures()}
    assert failing == {(8, "normal")}, report.table()



def _torchvision_models():
    torchvision_shim.install()
    import torchvision.models

    return torchvision.models
