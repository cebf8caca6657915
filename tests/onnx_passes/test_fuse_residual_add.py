"""FuseResidualAddPass: after the layout passes, the residual Add onto a channels-last convolution becomes
converter.fused::ResidualAdd with the same numbers (PyTorch as reference, through onnx's reference evaluator
and through our TF translation); Adds that broadcast, or that no convolution feeds, stay as they are."""
from __future__ import annotations

import io

import numpy as np
import onnx
import onnxscript.optimizer
import torch
import torch.nn.functional as F
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from converter.onnx_passes.fuse_residual_add import FuseResidualAddPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.onnx_passes.nhwc_reference import NHWC_REFERENCE_OPS
from converter.tf_ops.fused import FUSED_DOMAIN
from tests.onnx_passes._helpers import run_passes


class Residuals(torch.nn.Module):
    """Residual adds onto a conv and onto a transposed conv; an add that broadcasts onto a conv; an add of
    two activations."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.up = torch.nn.ConvTranspose2d(8, 8, 3, padding=1)
        self.side = torch.nn.Conv2d(8, 8, 1)
        self.scale = torch.nn.Parameter(torch.randn(1, 8, 1, 1))

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = F.relu(self.conv(x) + x)
        x = self.up(x) + x
        x = self.side(x) + self.scale
        return torch.sigmoid(x) + torch.tanh(x)


def _export(module: torch.nn.Module) -> onnx.ModelProto:
    buffer = io.BytesIO()
    torch.onnx.export(module, (torch.randn(2, 3, 12, 12),), buffer, dynamo=True, opset_version=18, input_names=["x"],
                      output_names=["y"], dynamic_shapes=({0: torch.export.Dim("batch")},))
    return onnx.shape_inference.infer_shapes(onnxscript.optimizer.optimize(onnx.load_from_string(buffer.getvalue())))


def _channels_last(model: onnx.ModelProto) -> onnx.ModelProto:
    return run_passes(model, [ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass()])[0]


def test_residual_adds_onto_convolutions_fuse_with_same_numbers():
    torch.manual_seed(0)
    module = Residuals().eval()
    model = _channels_last(_export(module))
    fused, (modified,) = run_passes(model, [FuseResidualAddPass()])
    assert modified
    ops = [(n.domain, n.op_type) for n in fused.graph.node if n.op_type in ("Add", "ResidualAdd")]
    # onto the conv and the transposed conv; the broadcast of `scale` and the sum of activations stay
    assert ops == [(FUSED_DOMAIN, "ResidualAdd")] * 2 + [("", "Add")] * 2
    x = np.random.default_rng(1).standard_normal((3, 3, 12, 12)).astype(np.float32)    # batch 3 != 2
    expected = module(torch.from_numpy(x)).detach().numpy()
    before = ReferenceEvaluator(model, new_ops=NHWC_REFERENCE_OPS).run(None, {"x": x})[0]
    after = ReferenceEvaluator(fused, new_ops=NHWC_REFERENCE_OPS + FUSED_REFERENCE_OPS).run(None, {"x": x})[0]
    np.testing.assert_allclose(before, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(fused).run([x])[0], expected, rtol=1e-5, atol=1e-5)


def test_nothing_to_do_without_channels_last_convolutions():
    # --no-layout-pass: each Conv translates with transposes of its own, which nothing fuses an AddN into
    torch.manual_seed(0)
    model = _export(Residuals().eval())
    fused, (modified,) = run_passes(model, [FuseResidualAddPass()])
    assert not modified and not [n for n in fused.graph.node if n.domain == FUSED_DOMAIN]
