"""Grouped and depthwise convolutions as TF Serving runs them (grappler's remapper applied).

Grappler fuses Conv2D + BiasAdd (or FusedBatchNorm) into _FusedConv2D, whose CPU kernel has no grouped
convolution: torchvision's RegNetY (grouped 3x3 conv + BatchNorm + ReLU) and ShuffleNetV2 (a depthwise conv
after the channel shuffle, whose Reshape target is computed at run time, so TF did not know the channel
count and ran it as a grouped Conv2D) converted, then failed in the session."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from converter.child import EIGEN_KERNELS, ONEDNN_KERNELS
from tests.tf_ops._served import served_and_eager

# Both CPU kernel families TF Serving may run (which one depends on the server's CPU): the fused convolution
# of Eigen's has no grouped form, so these models failed there only (converter/child.py).
KERNEL_FAMILIES = pytest.mark.parametrize("kernels", [EIGEN_KERNELS, ONEDNN_KERNELS], ids=["eigen", "onednn"])


class GroupedBlock(nn.Module):
    """RegNet's bottleneck: 1x1, grouped 3x3 (group width 4) with BatchNorm + ReLU; the second grouped conv's
    output is used twice, so its BatchNorm is not folded into it (FusedBatchNorm right after the conv)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 16, 1)
        self.b = nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False)
        self.b_norm = nn.BatchNorm2d(16)
        self.c = nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False)
        self.c_norm = nn.BatchNorm2d(16)

    def forward(self, x):
        x = torch.relu(self.b_norm(self.b(self.a(x))))
        c = self.c(x)
        return torch.relu(self.c_norm(c)) + c


class ShuffleBlock(nn.Module):
    """ShuffleNetV2's channel shuffle (view, transpose, view with sizes read from the tensor), then the
    stride-2 depthwise conv with bias of the next stage's first unit."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 1)
        self.depthwise = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.pointwise = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        x = torch.relu(self.a(x))
        batch, channels, height, width = x.size()
        x = x.view(batch, 2, channels // 2, height, width).transpose(1, 2).contiguous()
        x = x.view(batch, channels, height, width)
        return self.pointwise(self.depthwise(x))


def _randomize(module: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for p in module.parameters():
        nn.init.normal_(p, std=0.3)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return module


@KERNEL_FAMILIES
def test_grouped_conv_with_bias_and_batch_norm_runs_served(tmp_path, kernels):
    served, eager = served_and_eager(_randomize(GroupedBlock()), "x:float32:2x3x10x10", 3, tmp_path, kernels=kernels)
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-4, atol=1e-4)


@KERNEL_FAMILIES
def test_depthwise_conv_after_channel_shuffle_runs_served(tmp_path, kernels):
    # the TorchScript exporter (a traced checkpoint's) computes the view's sizes with Shape/Gather/Concat
    served, eager = served_and_eager(_randomize(ShuffleBlock()), "x:float32:2x3x10x10", 3, tmp_path,
                                     exporter="torchscript", kernels=kernels)
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-4, atol=1e-4)



class StandardizedGroupedConvNorm(nn.Module):
    """A grouped conv with weights standardised at run time (timm's StdConv2d) is not a constant, so its
    BatchNorm is not folded into it and runs as FusedBatchNorm right after the Conv2D."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(8, 4, 3, 3))
        self.norm = nn.BatchNorm2d(8)

    def forward(self, x):
        weight = self.weight - self.weight.mean(dim=(1, 2, 3), keepdim=True)
        return self.norm(nn.functional.conv2d(x, weight, padding=1, groups=2))


@KERNEL_FAMILIES
def test_batch_norm_after_grouped_conv_runs_served(tmp_path, kernels):
    # the TorchScript exporter keeps the weight computation (the dynamo exporter folds it into a constant)
    served, eager = served_and_eager(_randomize(StandardizedGroupedConvNorm()), "x:float32:2x8x6x6", 3, tmp_path,
                                     exporter="torchscript", kernels=kernels)
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-4, atol=1e-4)


class StridedPaddedConvs(nn.Module):
    """PyTorch's symmetric pads at stride 2 (not TF's SAME on even sizes: an explicit Pad before the conv): a
    dense stem with BatchNorm + ReLU6, a grouped conv with bias, a dilated conv, and a 1-D conv."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.stem_norm = nn.BatchNorm2d(8)
        self.grouped = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2)
        self.dilated = nn.Conv2d(8, 8, 3, padding=3, dilation=2)
        self.temporal = nn.Conv1d(8, 4, 5, stride=2, padding=2)

    def forward(self, x):
        x = nn.functional.relu6(self.stem_norm(self.stem(x)))
        x = self.dilated(torch.relu(self.grouped(x)))
        return self.temporal(x.flatten(2))


@KERNEL_FAMILIES
def test_convs_with_pytorch_stride_2_pads_run_served(tmp_path, kernels):
    served, eager = served_and_eager(_randomize(StridedPaddedConvs()), "x:float32:2x3x16x16", 3, tmp_path,
                                     kernels=kernels)
    assert served[0].shape == eager[0].shape == (3, 4, 18)
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-4, atol=1e-4)
