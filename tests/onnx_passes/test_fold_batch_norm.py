"""FoldBatchNormIntoConvPass: Conv + BatchNormalization (inference) becomes one Conv with the same numbers
(PyTorch as reference), in 1-D, 2-D (with and without conv bias, groups) and 3-D; a BN whose input
Conv output is also used elsewhere, or whose output is a graph output, stays."""
from __future__ import annotations

import io

import numpy as np
import onnx
import onnx_ir as ir
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fold_batch_norm import FoldBatchNormIntoConvPass
from tests.onnx_passes._helpers import randomise_batch_norms


def _export(module, x):
    buffer = io.BytesIO()
    torch.onnx.export(randomise_batch_norms(module), (x,), buffer, dynamo=False, opset_version=17, input_names=["x"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    return onnx.load_from_string(buffer.getvalue())


class Branchy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y          # the conv output is used twice: BN cannot be folded


CASES = {
    "conv1d": (lambda: torch.nn.Sequential(torch.nn.Conv1d(3, 4, 3), torch.nn.BatchNorm1d(4), torch.nn.ReLU()),
               (2, 3, 10), 1),
    "conv2d_no_bias_groups": (lambda: torch.nn.Sequential(torch.nn.Conv2d(4, 6, 3, groups=2, bias=False),
                                                          torch.nn.BatchNorm2d(6), torch.nn.Tanh()), (2, 4, 8, 8), 1),
    "conv3d": (lambda: torch.nn.Sequential(torch.nn.Conv3d(2, 3, 2), torch.nn.BatchNorm3d(3), torch.nn.ReLU()),
               (1, 2, 5, 5, 5), 1),
    "bn_is_graph_output": (lambda: torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.BatchNorm2d(3)),
                           (1, 2, 4, 4), 0),
    "branchy": (Branchy, (2, 3, 6, 6), 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fold_matches_torch(name):
    build, shape, expected_folds = CASES[name]
    torch.manual_seed(0)
    module = build()
    x = torch.randn(*shape)
    model = _export(module, x)
    assert sum(n.op_type == "BatchNormalization" for n in model.graph.node) == 1
    result = FoldBatchNormIntoConvPass()(ir.serde.deserialize_model(model))
    folded = ir.serde.serialize_model(result.model)
    remaining = sum(n.op_type == "BatchNormalization" for n in folded.graph.node)
    assert remaining == 1 - expected_folds and result.modified == bool(expected_folds)
    expected = module.eval()(x).detach().numpy()
    np.testing.assert_allclose(ReferenceEvaluator(folded).run(None, {"x": x.numpy()})[0], expected,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(prepare(folded).run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-5)
