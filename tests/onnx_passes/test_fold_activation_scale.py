"""FoldActivationScalePass on the blocks users' CNNs and hybrids are made of, through both exporters: a
convolutional feed-forward with exact GELU (EfficientFormerV2, FastViT, PoolFormer), an inverted residual with
HardSwish and squeeze-excitation (MobileNetV3), a GELU feeding a residual add. The rewritten graph gives
PyTorch's numbers at other batch sizes, in ONNX's reference evaluator (with the fused ops' references) and in
our translation, which then runs one multiplication per folded activation fewer."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fold_activation_scale import FoldActivationScalePass
from converter.onnx_passes.fold_batch_norm import FoldBatchNormIntoConvPass
from converter.onnx_passes.fuse_gelu import FuseGeluPass
from converter.onnx_passes.fuse_linear_layer import FuseLinearLayerPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.tf_ops.fused import FUSED_DOMAIN
from tests.onnx_passes._helpers import export_module, run_passes
from tests.tf_ops._tensor_case import translated_op_counts

EXPORTERS = pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])


class ConvFeedForward(torch.nn.Module):
    """1x1 conv + BatchNorm, exact GELU, 1x1 conv, then a LayerNorm over the last axis, exact GELU and a linear
    layer: each GELU read by one linear layer only."""

    def __init__(self, channels=8, width=6):
        super().__init__()
        self.fc1, self.norm = torch.nn.Conv2d(channels, 4 * channels, 1), torch.nn.BatchNorm2d(4 * channels)
        self.fc2 = torch.nn.Conv2d(4 * channels, channels, 1)
        self.token_norm, self.head = torch.nn.LayerNorm(width), torch.nn.Linear(width, 3)

    def forward(self, x):
        x = self.fc2(torch.nn.functional.gelu(self.norm(self.fc1(x))))
        return self.head(torch.nn.functional.gelu(self.token_norm(x)))


class InvertedResidual(torch.nn.Module):
    """MobileNetV3's block: expand + HardSwish (read by the depthwise conv only: folded), depthwise + HardSwish
    (read by the squeeze-excitation's pooling and its gating Mul: left), project."""

    def __init__(self, channels=8):
        super().__init__()
        self.expand = torch.nn.Conv2d(channels, 2 * channels, 1)
        self.depthwise = torch.nn.Conv2d(2 * channels, 2 * channels, 3, padding=1, groups=2 * channels)
        self.squeeze, self.excite = torch.nn.Conv2d(2 * channels, 4, 1), torch.nn.Conv2d(4, 2 * channels, 1)
        self.project = torch.nn.Conv2d(2 * channels, channels, 1)

    def forward(self, x):
        y = torch.nn.functional.hardswish(self.depthwise(torch.nn.functional.hardswish(self.expand(x))))
        gate = torch.nn.functional.hardsigmoid(self.excite(torch.relu(self.squeeze(y.mean((2, 3), keepdim=True)))))
        return x + self.project(y * gate)


class GeluIntoResidual(torch.nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        y = torch.nn.functional.gelu(self.conv(x))
        return y + self.conv(y)


def _rewrite(module: torch.nn.Module, dynamo: bool):
    torch.manual_seed(0)
    for parameter in module.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    module.eval()
    exported = export_module(module, torch.randn(2, 8, 6, 6), dynamo, dynamic_batch=True)
    before, _ = run_passes(exported, [FoldBatchNormIntoConvPass(), FuseGeluPass(), FuseLinearLayerPass()])
    after, (modified,) = run_passes(before, [FoldActivationScalePass()])
    return before, after, modified


def _scales(model: onnx.ModelProto) -> list[tuple[str, float]]:
    return [(n.op_type, onnx.helper.get_attribute_value(a)) for n in model.graph.node if n.domain == FUSED_DOMAIN
            for a in n.attribute if a.name == "scale"]


def _check_numbers(module: torch.nn.Module, model: onnx.ModelProto) -> None:
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 8, 6, 6)).astype(np.float32)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        reference = ReferenceEvaluator(model, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x})[0]
        np.testing.assert_allclose(reference, expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(prepare(model).run([x])[0], expected, rtol=1e-4, atol=1e-5)


@EXPORTERS
def test_gelu_halves_move_into_the_convolution_and_the_linear_layer(dynamo):
    module = ConvFeedForward()
    before, after, modified = _rewrite(module, dynamo)
    assert modified and _scales(after) == [("Gelu", 2.0), ("Gelu", 2.0)]
    _check_numbers(module, after)
    x = np.zeros((1, 8, 6, 6), np.float32)
    ops_before, ops_after = translated_op_counts(before, {"x": x}), translated_op_counts(after, {"x": x})
    assert ops_after["Erf"] == ops_before["Erf"] == 2
    assert ops_after["Mul"] == ops_before["Mul"] - 2, (ops_before, ops_after)


@EXPORTERS
def test_hard_swish_sixth_moves_into_the_depthwise_conv_only(dynamo):
    module = InvertedResidual()
    before, after, modified = _rewrite(module, dynamo)
    assert modified and _scales(after) == [("HardSwish", 6.0)]
    assert [n.op_type for n in after.graph.node if n.op_type == "HardSwish" and n.domain == ""] == ["HardSwish"]
    _check_numbers(module, after)


def test_an_activation_feeding_a_residual_add_is_left_alone():
    _, after, modified = _rewrite(GeluIntoResidual(), dynamo=False)
    assert not modified and _scales(after) == []
