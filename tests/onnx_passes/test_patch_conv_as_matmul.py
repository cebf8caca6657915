"""PatchConvAsMatMulPass: a patch embedding on the image (ViT's and CLIP's 16x16, Swin's and ConvNeXt's 4x4
stem, transformers' ViT embeddings) becomes a transpose into patches and a linear layer, from both exporters,
with the numbers of PyTorch at a batch other than the export's and the layout passes cancelling the transpose
back; and the convolutions it leaves alone."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from converter.backend import prepare
from converter.config import ConversionConfig
from converter.onnx_passes.pipeline import run_passes as pipeline_passes
from tests.onnx_passes._helpers import export_module, torchvision_importable

RNG = np.random.default_rng(0)


class VitPatches(torch.nn.Module):
    """torchvision's ViT: conv_proj (on the image normalised and cast, as CLIP feeds it), then
    reshape(n, hidden, h*w).permute(0, 2, 1) and a LayerNorm."""

    def __init__(self, patch: int = 8, hidden: int = 32):
        super().__init__()
        self.conv_proj = torch.nn.Conv2d(3, hidden, patch, patch)
        self.norm = torch.nn.LayerNorm(hidden)

    def forward(self, x):
        x = self.conv_proj(((x - 0.5) / 0.25).to(torch.float32))    # normalised and cast as CLIP does
        return self.norm(x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1))


class SwinStem(torch.nn.Module):
    """torchvision's Swin: Conv2d(3, C, 4, 4) -> Permute(0, 2, 3, 1) -> LayerNorm, then a 3x3 conv back in
    channels-first, as ConvNeXt's next stage would read it."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 4, 4)
        self.norm = torch.nn.LayerNorm(16)
        self.conv = torch.nn.Conv2d(16, 16, 3, padding=1)

    def forward(self, x):
        x = self.norm(self.stem(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv(x)


class HfVitEmbeddings(torch.nn.Module):
    """transformers' ViTEmbeddings: patch conv, flatten(2).transpose(1, 2), the class token and positions."""

    def __init__(self):
        super().__init__()
        torchvision_importable()
        import transformers
        from transformers.models.vit.modeling_vit import ViTEmbeddings
        self.embeddings = ViTEmbeddings(transformers.ViTConfig(image_size=32, patch_size=16, hidden_size=32))

    def forward(self, x):
        return self.embeddings(x)


def _ops(model: onnx.ModelProto, op_type: str) -> int:
    """Nodes of `op_type` in any domain."""
    return sum(n.op_type == op_type for n in model.graph.node)


@pytest.mark.parametrize("dynamo", [True, False], ids=["torch.export", "torchscript"])
@pytest.mark.parametrize("module, shape", [(VitPatches, (2, 3, 32, 48)), (SwinStem, (2, 3, 16, 16)),
                                           (HfVitEmbeddings, (2, 3, 32, 32))],
                         ids=["torchvision vit", "swin stem", "transformers vit"])
def test_patch_embedding_as_linear_layer_with_the_numbers_of_pytorch(module, shape, dynamo):
    torch.manual_seed(0)
    module = module().eval()
    exported = export_module(module, torch.randn(shape), dynamo=dynamo, dynamic_batch=True)
    reference, translated, records = pipeline_passes(exported, ConversionConfig(checkpoint="m.onnx", name="m"))
    assert [r.op_count_diff.get("Conv") for r in records if r.name == "PatchConvAsMatMulPass"] == [-1]
    convs_left = _ops(reference, "Conv") - 1                 # the Swin stem's 3x3 conv stays
    assert _ops(translated, "Conv") == convs_left            # (channels-last: converter.nhwc::Conv)
    assert _ops(translated, "Transpose") == 1 + convs_left   # the image into patches (+ the 3x3's way back out)

    x = RNG.standard_normal((3, *shape[1:])).astype(np.float32)         # batch 3, exported at 2
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(prepare(translated).run([x])[0], expected, rtol=1e-4, atol=1e-5)


class ConvOnImage(torch.nn.Module):
    def __init__(self, kernel, stride, padding=0, groups=1, channels=4, before=None):
        super().__init__()
        self.before = before
        self.conv = torch.nn.Conv2d(channels, 8, kernel, stride, padding, groups=groups)

    def forward(self, x):
        return self.conv(self.before(x) if self.before is not None else x)


@pytest.mark.parametrize("module, shape, io_layout", [
    (ConvOnImage(7, 4, padding=2), (2, 4, 16, 16), "nchw"),             # PoolFormer's overlapping stem
    (ConvOnImage(4, 4), (2, 4, 18, 18), "nchw"),                        # sizes not a multiple of the kernel
    (ConvOnImage(1, 1), (2, 4, 16, 16), "nchw"),
    (ConvOnImage(2, 2, groups=2), (2, 4, 16, 16), "nchw"),
    (ConvOnImage(2, 2, before=torch.nn.Conv2d(4, 4, 3, padding=1)), (2, 4, 16, 16), "nchw"),   # inside the net
    (ConvOnImage(4, 4), (2, 4, 16, 16), "nhwc"),                        # the image is published channels-last
], ids=["overlapping", "not divisible", "1x1", "grouped", "not on the image", "nhwc image"])
def test_left_alone(module, shape, io_layout):
    exported = export_module(module.eval(), torch.randn(shape), dynamo=False, dynamic_batch=True)
    config = ConversionConfig(checkpoint="m.onnx", name="m", io_layout=io_layout)
    _, translated, records = pipeline_passes(exported, config)
    assert not any(r.modified for r in records if r.name == "PatchConvAsMatMulPass")
    assert _ops(translated, "MatMul") == 0
