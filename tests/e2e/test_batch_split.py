"""--batch-split: a convolutional model's SavedModel runs a batch of 2 or more as two slices side by side
(each slice through its own copy of the fused kernels), a batch of 1 on the unsplit path; the outputs equal the
unsplit SavedModel's and PyTorch's at even and odd batch sizes. Graphs without convolutions stay unsplit,
a model that mixes samples across the batch fails parity with a hint to --batch-split off, and the
option's bad values and impossible requests are one-line errors."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper
from torch import nn

from converter.errors import BadInputError
from converter.savedmodel.batch_split import confirm_batch_split, resolve_batch_split
from converter.verify.kernels import served_kernels_in_subprocess
from converter.verify.session_runner import run_in_subprocess
from tests.e2e.conftest import read_report, run_script
from tests.e2e.test_served_kernels import ResidualCNN, TokenMLP, _convert, _with

pytestmark = pytest.mark.slow      # conversions


class ImageTextSimilarity(nn.Module):
    """CLIP's logits_per_image: every image against every text of the batch, [images, texts]."""

    def __init__(self):
        super().__init__()
        self.image = nn.Conv2d(3, 8, 8)
        self.text = nn.Linear(5, 8)

    def forward(self, image, text):
        return self.image(image).flatten(1) @ self.text(text).t()


class BatchCentredCNN(nn.Module):
    """Subtracts the batch mean: every sample depends on the others, so slices change the result."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, image):
        x = self.conv(image)
        return x - x.mean(dim=0, keepdim=True)


def _served(version_dir, feed):
    return run_in_subprocess(version_dir, "serving_default", [{"image": feed}])[0]["y"]


@pytest.mark.slow
def test_convolutional_model_runs_in_two_slices_with_unchanged_numbers(tmp_path):
    (tmp_path / "split").mkdir(), (tmp_path / "plain").mkdir()
    model, split_dir = _convert(tmp_path / "split", ResidualCNN(), "image:float32:1x3x32x32",
                               ["--batch-split", "auto"])
    _, plain_dir = _convert(tmp_path / "plain", ResidualCNN(), "image:float32:1x3x32x32", ["--batch-split", "off"])
    assert read_report(split_dir)["batch_split"] == 2
    assert read_report(plain_dir)["batch_split"] == 1
    rng = np.random.default_rng(7)
    feed = rng.standard_normal((5, 3, 32, 32)).astype(np.float32)
    # the served graph holds both paths: the unsplit one (batch 1) and one copy per slice, each fused
    for version_dir, copies in ((plain_dir, 1), (split_dir, 3)):
        census = served_kernels_in_subprocess(version_dir, "serving_default", {"image": feed})
        assert _with(census, "FusedConv2D[BiasAdd,Add,Relu]") == copies, census
        assert _with(census, "PadWithFusedConv2D") == copies, census
    for batch in (1, 2, 5, 8):
        feed = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
        split, plain = _served(split_dir, feed), _served(plain_dir, feed)
        with torch.no_grad():
            expected = model(torch.from_numpy(feed)).numpy()
        assert split.shape == plain.shape == expected.shape == (batch, 4)
        assert np.abs(split - plain).max() <= 1e-6, (batch, np.abs(split - plain).max())
        assert np.abs(split - expected).max() <= 1e-5, (batch, np.abs(split - expected).max())


@pytest.mark.slow
def test_graph_without_convolutions_stays_unsplit(tmp_path):
    _, version_dir = _convert(tmp_path, TokenMLP(), "tokens:float32:1x7x16", ["--batch-split", "auto"])
    assert read_report(version_dir)["batch_split"] == 1


@pytest.mark.slow
def test_model_mixing_samples_fails_parity_with_hint_then_converts_unsplit(tmp_path):
    model = BatchCentredCNN().eval()
    checkpoint = tmp_path / "state_dict.pt"
    torch.save(model.state_dict(), checkpoint)
    root = tmp_path / "serving_models"
    args = ["--checkpoint", checkpoint, "--model-class", f"{__name__}:BatchCentredCNN",
            "--input", "image:float32:4x3x8x8", "--output", "y", "--name", "m", "--serving-root", root]
    failed = run_script("convert.py", *args, "--batch-split", "2")
    assert failed.code != 0
    assert "--batch-split off" in failed.stderr, failed.stderr[-2000:]
    assert not (root / "m" / "1").exists()
    converted = run_script("convert.py", *args)          # the default: unsplit
    assert converted.code == 0, converted.stderr[-2000:]
    assert read_report(root / "m" / "1")["batch_split"] == 1


def test_bad_batch_split_value_is_a_one_line_error(tmp_path):
    result = run_script("convert.py", "--checkpoint", tmp_path / "x.pt", "--name", "m",
                        "--input", "x:float32:1x3", "--batch-split", "two")
    assert result.code == 2, result.stderr[-2000:]
    assert result.last_error_line.startswith("error: --batch-split 'two'"), result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def _conv_graph(output_shape) -> onnx.ModelProto:
    weight = helper.make_tensor("w", TensorProto.FLOAT, [2, 3, 1, 1], [0.5] * 6)
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.mark.parametrize("requested, backend, ways", [("auto", "native", 2), ("off", "native", 1), ("1", "native", 1),
                                                      ("3", "native", 3), ("auto", "onnx-tf", 1)])
def test_resolution_of_the_option(requested, backend, ways):
    assert resolve_batch_split(_conv_graph(["batch", 2, 4, 4]), requested, backend) == ways


@pytest.mark.parametrize("output_shape, reason", [([5, 2, 4, 4], "no dynamic batch dimension"),
                                                  (["n", 2, 4, 4], "different first dimensions")])
def test_split_is_refused_where_the_batch_is_not_shared(output_shape, reason):
    model = _conv_graph(output_shape)
    assert resolve_batch_split(model, "auto") == 1
    with pytest.raises(BadInputError, match=f"--batch-split 2: .*{reason}.*--batch-split off"):
        resolve_batch_split(model, "2")


def test_output_following_the_batch_in_another_axis_is_refused_not_crashed(tmp_path):
    """CLIP with --batch-split 2 crashed in the session (ConcatOp: [1,1] vs [2,2]): refused before translation
    from the references' output shapes at batch 1, 3, 8, with the hint; auto serves it unsplit."""
    model = ImageTextSimilarity().eval()
    checkpoint = tmp_path / "state_dict.pt"
    torch.save(model.state_dict(), checkpoint)
    root = tmp_path / "serving_models"
    args = ["--checkpoint", checkpoint, "--model-class", f"{__name__}:ImageTextSimilarity", "--input",
            "image:float32:2x3x8x8", "--input", "text:float32:2x5", "--output", "logits_per_image", "--name", "m",
            "--serving-root", root]
    failed = run_script("convert.py", *args, "--batch-split", "2")
    assert failed.code == 2, failed.stderr[-2000:]
    assert failed.last_error_line == (
        "error: --batch-split 2: output 'logits_per_image' has shape [1, 1] at batch 1 and [3, 3] at batch 3: its "
        "other dimensions follow the batch size (the model mixes samples), so a batch cannot be cut into slices; "
        "use --batch-split off"), failed.stderr[-2000:]
    assert not (root / "m" / "1").exists()
    converted = run_script("convert.py", *args, "--batch-split", "auto")
    assert converted.code == 0, converted.stderr[-2000:]
    assert read_report(root / "m" / "1")["batch_split"] == 1


def test_confirmation_from_reference_shapes():
    per_sample = [[np.zeros((b, 4))] for b in (1, 3, 8)]
    assert confirm_batch_split(2, "2", [1, 3, 8], per_sample, ["y"]) == 2
    assert confirm_batch_split(1, "off", [1, 3, 8], [[np.zeros((b, b))] for b in (1, 3, 8)], ["y"]) == 1
    assert confirm_batch_split(2, "auto", [1, 3, 8], [[np.zeros((b, b))] for b in (1, 3, 8)], ["y"]) == 1
    with pytest.raises(BadInputError, match="output 'y' has shape \\[4\\] at batch 1, not one row per sample"):
        confirm_batch_split(2, "2", [1], [[np.zeros(4)]], ["y"])
