"""The kernels TF's CPU runtime runs for our SavedModels (after grappler and the oneDNN rewrite, loaded the
TF Serving way), for the fusions the translation is shaped to get:
- a padded stride-2 conv: Pad (not PadV2) folded into the oneDNN convolution;
- a residual add onto a conv: AddN folded into the convolution with its bias and ReLU;
- linear layers over tokens: 2-D MatMul with the bias and the activation fused (Relu, Tanh, Sigmoid, and
  GELU in both forms, which the exporters spell out in elementwise ops), not BatchMatMulV2 + AddV2 + ...;
- run-time reshape targets of attention (Shape -> Slice -> Concat): resolved, no shape arithmetic left;
- LayerNormalization: not fused into _MklLayerNorm, whose one-pass variance loses ~6e-4 on shifted inputs.
Parity is asserted too, against PyTorch at a batch size the converter did not use.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from converter.verify.kernels import served_kernels_in_subprocess
from converter.verify.session_runner import run_in_subprocess
from tests.e2e.conftest import run_script


class ResidualCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)      # pads (1, 1): not TF's SAME (0, 1)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.head = nn.Linear(8, 4)

    def forward(self, image):
        x = torch.relu(self.stem(image))
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))) + x)
        return self.head(x.mean(dim=(2, 3)))


class ShiftedEncoder(nn.Module):
    """One transformer layer whose LayerNorm inputs have mean ~5 (where a one-pass variance is inexact)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 32)
        self.layer = nn.TransformerEncoderLayer(32, 2, 64, dropout=0.0, activation="gelu", batch_first=True)
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, 3)

    def forward(self, ids):
        hidden = self.norm(self.layer(self.embed(ids) * 3.0 + 5.0) + 5.0)
        return self.head(hidden[:, 0])


class TokenMLP(nn.Module):
    """Linear layers over tokens ([batch, tokens, features]), each followed by another activation."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(16, 16) for _ in range(5))
        self.activations = [torch.relu, torch.tanh, torch.sigmoid, nn.GELU(approximate="tanh"), nn.GELU()]

    def forward(self, tokens):
        for layer, activation in zip(self.layers, self.activations):
            tokens = activation(layer(tokens))
        return tokens


def _convert(tmp_path, model: nn.Module, input_spec: str, extra: list[str]) -> tuple:
    torch.manual_seed(0)
    for p in model.parameters():
        nn.init.normal_(p, std=0.3)
    model.eval()
    checkpoint = tmp_path / "state_dict.pt"
    torch.save(model.state_dict(), checkpoint)
    serving_root = tmp_path / "serving_models"
    result = run_script("convert.py", "--checkpoint", checkpoint, "--model-class",
                        f"{__name__}:{type(model).__name__}", "--input", input_spec, "--output", "y",
                        "--name", "m", "--serving-root", serving_root, *extra)
    assert result.code == 0, result.stderr[-3000:]
    return model, serving_root / "m" / "1"


def _check_parity(model, version_dir, name, feed, atol):
    served = run_in_subprocess(version_dir, "serving_default", [{name: feed}])[0]["y"]
    with torch.no_grad():
        expected = model(torch.from_numpy(feed)).numpy()
    assert served.shape == expected.shape
    assert np.abs(served - expected).max() <= atol, np.abs(served - expected).max()


def _with(census: dict, fragment: str) -> int:
    return sum(count for kernel, count in census.items() if fragment in kernel)


@pytest.mark.slow
def test_cnn_pads_and_residual_adds_fold_into_convolutions(tmp_path):
    # unsplit, so that each fusion is counted once (tests/e2e/test_batch_split.py covers the split)
    model, version_dir = _convert(tmp_path, ResidualCNN(), "image:float32:1x3x32x32", ["--batch-split", "off"])
    feed = np.random.default_rng(5).standard_normal((5, 3, 32, 32)).astype(np.float32)
    census = served_kernels_in_subprocess(version_dir, "serving_default", {"image": feed})
    assert _with(census, "PadV2") == 0 and census.get("Pad", 0) == 0, census
    assert _with(census, "PadWithFusedConv2D") == 1, census
    assert _with(census, "FusedConv2D[BiasAdd,Add,Relu]") == 1, census        # the residual block's last conv
    assert census.get("AddV2", 0) + census.get("AddN", 0) + census.get("Relu", 0) == 0, census
    _check_parity(model, version_dir, "image", feed, 1e-5)


@pytest.mark.slow
def test_encoder_linear_layers_fuse_and_shapes_resolve(tmp_path):
    model, version_dir = _convert(tmp_path, ShiftedEncoder(), "ids:int64:1x16", ["--input-range", "ids:0:50"])
    feed = np.random.default_rng(5).integers(0, 50, size=(5, 16)).astype(np.int64)
    census = served_kernels_in_subprocess(version_dir, "serving_default", {"ids": feed})
    assert _with(census, "LayerNorm") == 0, census
    assert _with(census, "FusedMatMul[BiasAdd") >= 4, census      # q/k/v projection, feed-forward x2, head
    assert _with(census, "BatchMatMul") == 2, census               # only the attention products themselves
    assert _with(census, "FusedMatMul[BiasAdd,GeluExact]") == 1, census          # the feed-forward's first layer
    assert census.get("Erf", 0) + census.get("Erfc", 0) == 0, census
    for shape_arithmetic in ("Shape", "ConcatV2", "Equal", "StridedSlice"):
        assert census.get(shape_arithmetic, 0) == 0, (shape_arithmetic, census)
    _check_parity(model, version_dir, "ids", feed, 2e-5)


@pytest.mark.slow
def test_token_activations_fuse_into_linear_layers(tmp_path):
    model, version_dir = _convert(tmp_path, TokenMLP(), "tokens:float32:1x7x16", [])
    feed = np.random.default_rng(5).standard_normal((5, 7, 16)).astype(np.float32)
    census = served_kernels_in_subprocess(version_dir, "serving_default", {"tokens": feed})
    for fused in ("Relu", "Tanh", "Sigmoid", "GeluApproximate", "GeluExact"):
        assert _with(census, f"FusedMatMul[BiasAdd,{fused}]") == 1, (fused, census)
    for elementwise in ("Relu", "Tanh", "Sigmoid", "Erf", "Erfc", "Mul", "AddV2", "Pow"):
        assert census.get(elementwise, 0) == 0, (elementwise, census)
    _check_parity(model, version_dir, "tokens", feed, 1e-5)
