"""FoldChannelScaleIntoConvPass: a per-output-channel (or scalar) constant factor on a Conv's output goes into
the Conv, with PyTorch's numbers (ONNX's reference evaluator and our translation), through both exporters: a
MetaFormer-style layer scale on a 1x1 conv with a residual, a 1-D conv, a scalar; timm's FastViT RepMixer
after its branches merge (one conv left, no Mul). Left alone: a factor per column, a conv output read twice,
a factor computed at run time."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fold_batch_norm import FoldBatchNormIntoConvPass
from converter.onnx_passes.fold_channel_scale_into_conv import FoldChannelScaleIntoConvPass
from converter.onnx_passes.merge_parallel_convs import MergeParallelConvsPass
from tests.onnx_passes._helpers import export_module, run_passes
from tests.onnx_passes.test_merge_parallel_convs import _timm, _trained_looking


class Scaled(torch.nn.Module):
    """`x + scale * conv(x)` with a learned scale of shape `scale_shape`; 1-D or 2-D."""

    def __init__(self, scale_shape, dims=2, residual=True):
        super().__init__()
        conv = torch.nn.Conv2d if dims == 2 else torch.nn.Conv1d
        self.conv, self.residual = conv(6, 6, 1), residual
        self.scale = torch.nn.Parameter(torch.rand(scale_shape) + 0.5)

    def forward(self, x):
        y = self.scale * self.conv(x)
        return x + y if self.residual else y


class ReadTwice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.scale = torch.nn.Conv2d(6, 6, 1), torch.nn.Parameter(torch.rand(6, 1, 1) + 0.5)

    def forward(self, x):
        y = self.conv(x)
        return self.scale * y + y


class RunTimeFactor(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(6, 6, 1)

    def forward(self, x):
        return self.conv(x) * x.mean()


CASES = {   # name: (module builder, input shape, Mul nodes left)
    "layer_scale_2d": (lambda: Scaled((6, 1, 1)), (2, 6, 5, 5), 0),
    "layer_scale_1d": (lambda: Scaled((6, 1), dims=1), (2, 6, 7), 0),
    "scalar": (lambda: Scaled((), residual=False), (2, 6, 5, 5), 0),
    "per_column": (lambda: Scaled((5,)), (2, 6, 5, 5), 1),
    "conv_read_twice": (ReadTwice, (2, 6, 5, 5), 1),
    "run_time_factor": (RunTimeFactor, (2, 6, 5, 5), 1),
}


def _count(model: onnx.ModelProto, op_type: str) -> int:
    return sum(n.op_type == op_type for n in model.graph.node)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_fold_matches_torch(name, dynamo):
    build, shape, muls_left = CASES[name]
    torch.manual_seed(0)
    module = build().eval()
    x = torch.randn(*shape)
    model = export_module(module, x, dynamo)
    folded, (modified,) = run_passes(model, [FoldChannelScaleIntoConvPass()])
    assert _count(folded, "Mul") == muls_left and modified == (muls_left == 0)
    expected = module(x).detach().numpy()
    np.testing.assert_allclose(ReferenceEvaluator(folded).run(None, {"x": x.numpy()})[0], expected,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(folded).run([x.numpy()])[0], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_fastvit_repmixer_becomes_one_conv(dynamo):
    """x + layer_scale * (mixer(x) - norm(x)): the branches merge into one depthwise conv, the layer scale
    folds into it, the residual Add stays."""
    torch.manual_seed(0)
    module = _trained_looking(_timm("timm.models.fastvit", "RepMixer")(16, 3))
    x = torch.randn(2, 16, 8, 8)
    model = export_module(module, x, dynamo)
    folded, _ = run_passes(model, [FoldBatchNormIntoConvPass(), MergeParallelConvsPass(),
                                   FoldChannelScaleIntoConvPass()])
    assert (_count(folded, "Conv"), _count(folded, "Mul"), _count(folded, "BatchNormalization")) == (1, 0, 0)
    expected = module(x).detach().numpy()
    np.testing.assert_allclose(prepare(folded).run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-4)
