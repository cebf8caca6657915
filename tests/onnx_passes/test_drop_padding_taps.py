"""DropPaddingTapsPass against PyTorch: convs whose dilation or kernel reaches past the input lose the taps that
read only padding, and still give PyTorch's numbers in ONNX Runtime and in our TF translation. Which taps are
dead is found independently, by PyTorch: a tap is dead when a kernel holding only that tap, run on an input of
ones, gives zeros everywhere."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F

from converter.backend import prepare
from converter.config import ConversionConfig
from converter.onnx_passes.drop_padding_taps import DropPaddingTapsPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from converter.onnx_passes.pipeline import translation_passes
from tests.onnx_passes._helpers import export_module, run_passes

torch.manual_seed(0)


def _live_range_by_torch(conv: torch.nn.Conv2d, size: tuple[int, int]) -> list[tuple[int, int]]:
    """Per spatial axis, the first and last tap that reads the input somewhere (PyTorch's own padding)."""
    kh, kw = conv.kernel_size
    ones = torch.ones(1, 1, *size)
    live = [(i, j) for i in range(kh) for j in range(kw)
            if F.conv2d(ones, F.one_hot(torch.tensor(i * kw + j), kh * kw).float().view(1, 1, kh, kw),
                        stride=conv.stride, padding=conv.padding, dilation=conv.dilation).abs().sum() > 0]
    rows, cols = [i for i, _ in live], [j for _, j in live]
    return [(min(rows), max(rows)), (min(cols), max(cols))]


def _conv_kernels(model) -> list[tuple[int, ...]]:
    weights = {t.name: tuple(t.dims[2:]) for t in model.graph.initializer}
    return [weights[n.input[1]] for n in model.graph.node if n.op_type == "Conv"]


CASES = [  # (input H x W, kernel, stride, padding, dilation, groups)
    ((14, 14), 3, 1, 36, 36, 1),     # DeepLabV3's ASPP at rate 36: only the centre tap reads the input
    ((14, 14), 3, 1, 24, 24, 1),
    ((14, 14), 3, 1, 12, 12, 1),     # rate 12: every tap reads the input at some output position
    ((7, 20), 3, 1, 9, 9, 4),        # height dead beyond the centre, width not; grouped
    ((5, 5), 7, 1, 3, 1, 8),         # a 7x7 depthwise conv on a 5x5 map: the outer ring is dead
    ((9, 9), 5, 2, 8, 4, 1),         # strided
    ((6, 6), 3, 1, 0, 1, 1),         # nothing to drop
]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("size,k,s,p,d,g", CASES)
def test_dead_taps_dropped_with_pytorch_numbers(size, k, s, p, d, g, dynamo):
    conv = torch.nn.Conv2d(8, 8, k, stride=s, padding=p, dilation=d, groups=g).eval()
    x = torch.randn(2, 8, *size)
    with torch.no_grad():
        expected = conv(x).numpy()
    model = export_module(conv, x, dynamo=dynamo, dynamic_batch=True)
    rewritten, (dropped, _) = run_passes(model, [DropPaddingTapsPass(), ExplicitPaddingPass()])

    live = _live_range_by_torch(conv, size)
    kept_shape = [last - first + 1 for first, last in live]
    assert _conv_kernels(rewritten) == [tuple(kept_shape)]
    assert dropped == (kept_shape != [k, k])
    assert "Pad" not in [n.op_type for n in rewritten.graph.node]

    session = ort.InferenceSession(rewritten.SerializeToString(), providers=["CPUExecutionProvider"])
    by_ort = session.run(None, {"x": x.numpy()})[0]
    translated = prepare(rewritten).run([x.numpy()])[0]
    np.testing.assert_allclose(by_ort, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(translated, expected, rtol=1e-4, atol=1e-5)


def test_aspp_branches_become_one_by_one_convs_at_every_batch():
    """An ASPP head as torchvision writes it (rates 12, 24, 36 on a 14x14 map): the two wider rates run as
    1x1 convs without any Pad, through the conversion's translation passes, at batch sizes unlike the export's."""
    class Aspp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.branches = torch.nn.ModuleList(
                torch.nn.Sequential(torch.nn.Conv2d(16, 8, 3, padding=r, dilation=r, bias=False),
                                    torch.nn.BatchNorm2d(8), torch.nn.ReLU()) for r in (12, 24, 36))

        def forward(self, x):
            return torch.cat([b(x) for b in self.branches], 1)

    module = Aspp().eval()
    for bn in module.modules():
        if isinstance(bn, torch.nn.BatchNorm2d):
            bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
    model = export_module(module, torch.randn(2, 16, 14, 14), dynamo=True, dynamic_batch=True)
    rewritten, _ = run_passes(model, translation_passes(
        ConversionConfig(checkpoint=Path("aspp.onnx"), name="aspp", optimize_layout=False)))
    assert sorted(_conv_kernels(rewritten)) == [(1, 1), (1, 1), (3, 3)]
    assert "Pad" not in [n.op_type for n in rewritten.graph.node]
    tf_model = prepare(rewritten)
    for batch in (1, 3):
        x = torch.randn(batch, 16, 14, 14)
        with torch.no_grad():
            expected = module(x).numpy()
        np.testing.assert_allclose(tf_model.run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-5)
