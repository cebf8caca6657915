"""FoldLayerNormAffinePass on the blocks users' models are made of, through both exporters: a pre-norm
transformer block (ViT, GPT-2: LayerNorm -> q/k/v and LayerNorm -> MLP), a ConvNeXt block (LayerNorm ->
Linear + GELU) and a post-norm block (BERT: the normalised value also feeds the residual), with trained-looking
scales and biases. The folded graph gives PyTorch's numbers at other batch sizes; TF then runs no Mul/Add for
the normalisation's affine part."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from converter.backend import prepare
from converter.onnx_passes.fold_layer_norm_affine import FoldLayerNormAffinePass
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass
from converter.onnx_passes.fuse_gelu import FuseGeluPass
from converter.onnx_passes.fuse_linear_layer import FuseLinearLayerPass
from converter.onnx_passes.make_batch_dynamic import MakeBatchDynamicPass
from tests.onnx_passes._helpers import export_module, run_passes


def _trained(norm: torch.nn.LayerNorm) -> torch.nn.LayerNorm:
    torch.nn.init.uniform_(norm.weight, 0.5, 2.0)
    torch.nn.init.uniform_(norm.bias, -1.0, 1.0)
    return norm


class PreNormBlock(torch.nn.Module):
    def __init__(self, width=32, heads=4):
        super().__init__()
        self.norm1, self.norm2 = _trained(torch.nn.LayerNorm(width)), _trained(torch.nn.LayerNorm(width))
        self.q, self.k = torch.nn.Linear(width, width), torch.nn.Linear(width, width)
        self.v = torch.nn.Linear(width, width, bias=False)            # a bare MatMul (Llama's projections)
        self.fc1, self.fc2 = torch.nn.Linear(width, 4 * width), torch.nn.Linear(4 * width, width)
        self.heads = heads

    def forward(self, x):
        y = self.norm1(x)
        attention = torch.softmax(self.q(y) @ self.k(y).transpose(1, 2) / 8.0, dim=-1)
        x = x + attention @ self.v(y)
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.norm2(x))))


class ConvNeXtBlock(torch.nn.Module):
    def __init__(self, channels=16):
        super().__init__()
        self.dwconv = torch.nn.Conv2d(channels, channels, 7, padding=3, groups=channels)
        self.norm = _trained(torch.nn.LayerNorm(channels))
        self.pwconv1, self.pwconv2 = torch.nn.Linear(channels, 4 * channels), torch.nn.Linear(4 * channels, channels)

    def forward(self, x):
        y = self.norm(self.dwconv(x).permute(0, 2, 3, 1))
        return x + self.pwconv2(torch.nn.functional.gelu(self.pwconv1(y))).permute(0, 3, 1, 2)


class PostNormBlock(torch.nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.norm1, self.norm2 = _trained(torch.nn.LayerNorm(width)), _trained(torch.nn.LayerNorm(width))
        self.fc1, self.fc2 = torch.nn.Linear(width, 2 * width), torch.nn.Linear(2 * width, width)

    def forward(self, x):
        x = self.norm1(x)
        return self.norm2(x + self.fc2(torch.relu(self.fc1(x))))


BLOCKS = [  # (module, input shape, LayerNormalizations whose scale and bias fold)
    (PreNormBlock, (2, 5, 32), 2),
    (ConvNeXtBlock, (2, 16, 6, 6), 1),
    (PostNormBlock, (2, 5, 32), 0),
]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("block,shape,folds", BLOCKS, ids=[b[0].__name__ for b in BLOCKS])
def test_layer_norm_affine_folds_into_the_linear_layers_it_feeds(block, shape, folds, dynamo):
    torch.manual_seed(0)
    module = block().eval()
    exported = export_module(module, torch.randn(*shape), dynamo, dynamic_batch=True)
    rewritten, modified = run_passes(exported, [MakeBatchDynamicPass(), FoldShapeArithmeticPass(), FuseGeluPass(),
                                                FuseLinearLayerPass(), FoldLayerNormAffinePass()])
    assert modified[-1] == bool(folds)
    initializers = {t.name: t for t in rewritten.graph.initializer}
    unit_scales = [n for n in rewritten.graph.node if n.op_type == "LayerNormalization"
                   and list(initializers[n.input[1]].dims) == [1] and len(n.input) == 2]
    assert len(unit_scales) == folds
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, *shape[1:])).astype(np.float32)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(prepare(rewritten).run([x])[0], expected, rtol=1e-4, atol=2e-5)
