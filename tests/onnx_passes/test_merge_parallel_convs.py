"""MergeParallelConvsPass: summed convolutions of one input become one convolution with PyTorch's numbers (ONNX's
reference evaluator and our translation), through both exporters, on timm's own training-form blocks
(FastViT's MobileOneBlock with an identity BatchNorm, strided and dilated; its RepMixer, which subtracts a
BatchNorm; its large-kernel conv with a small-kernel branch; RepVGG's block) and asymmetric 1x3 / 3x1
branches. Asymmetric explicit pads (a 2x2 kernel padded before only fits a 3x3 window's corner; two 2x2 padded
on opposite sides do not fit any 2x2). Left alone also: a branch read elsewhere, branches of different inputs.
A strided block through every translation pass: one conv, at two batch sizes."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes.fold_batch_norm import FoldBatchNormIntoConvPass
from converter.onnx_passes.merge_parallel_convs import MergeParallelConvsPass
from tests.onnx_passes._helpers import export_module, randomise_batch_norms, run_passes


def _timm(module_path: str, name: str):
    from benchmarks.zoo import torchvision_shim
    torchvision_shim.install()         # timm imports torchvision
    import importlib
    return getattr(importlib.import_module(module_path), name)


def _trained_looking(module: torch.nn.Module) -> torch.nn.Module:
    """BatchNorms away from the identity, layer scales away from 1e-5."""
    for name, parameter in module.named_parameters():
        if "layer_scale" in name or name.endswith("gamma"):
            parameter.data.uniform_(0.5, 1.5)
    return randomise_batch_norms(module)


def _fastvit_mobileone(stride=1, dilation=1):
    block = _timm("timm.models.fastvit", "MobileOneBlock")
    return lambda: block(16, 16, 3, stride=stride, dilation=dilation, group_size=0, num_conv_branches=3)


class AsymmetricBranches(torch.nn.Module):
    """3x3 + 1x3 + 3x1 convolutions of one input (ACNet's asymmetric kernels)."""

    def __init__(self):
        super().__init__()
        self.square = torch.nn.Conv2d(4, 6, 3, padding=1)
        self.wide = torch.nn.Conv2d(4, 6, (1, 3), padding=(0, 1))
        self.tall = torch.nn.Conv2d(4, 6, (3, 1), padding=(1, 0), bias=False)

    def forward(self, x):
        return self.square(x) + self.wide(x) - self.tall(x)


class BranchReadElsewhere(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.kxk, self.point = torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 1)

    def forward(self, x):
        point = self.point(x)
        return (self.kxk(x) + point) * point


class DifferentInputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return self.a(x) + self.b(torch.relu(x))


CASES = {   # name: (module builder, input shape, Conv nodes after the passes)
    "fastvit_mobileone_identity": (_fastvit_mobileone(), (2, 16, 9, 9), 1),
    "fastvit_mobileone_stride2": (_fastvit_mobileone(stride=2), (2, 16, 10, 10), 1),
    "fastvit_mobileone_dilated": (_fastvit_mobileone(dilation=2), (2, 16, 9, 9), 1),
    "fastvit_repmixer": (lambda: _timm("timm.models.fastvit", "RepMixer")(16, 3), (2, 16, 8, 8), 1),
    "fastvit_large_kernel": (lambda: _timm("timm.models.fastvit", "ReparamLargeKernelConv")(
        16, 16, 7, stride=1, group_size=1, small_kernel=3, act_layer=None), (2, 16, 12, 12), 1),
    "repvgg_block": (lambda: _timm("timm.models.byobnet", "RepVggBlock")(16, 16), (2, 16, 8, 8), 1),
    "asymmetric_branches": (AsymmetricBranches, (2, 4, 7, 7), 1),
    "branch_read_elsewhere": (BranchReadElsewhere, (2, 4, 6, 6), 2),
    "different_inputs": (DifferentInputs, (2, 4, 6, 6), 2),
}


def _convs(model: onnx.ModelProto) -> int:
    return sum(n.op_type == "Conv" for n in model.graph.node)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_merge_matches_torch(name, dynamo):
    build, shape, convs_after = CASES[name]
    torch.manual_seed(0)
    module = _trained_looking(build())
    x = torch.randn(*shape)
    model = export_module(module, x, dynamo)
    merged, (_, modified) = run_passes(model, [FoldBatchNormIntoConvPass(), MergeParallelConvsPass()])
    assert _convs(merged) == convs_after and modified == (_convs(model) > convs_after)
    expected = module(x).detach().numpy()
    np.testing.assert_allclose(ReferenceEvaluator(merged).run(None, {"x": x.numpy()})[0], expected,
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(prepare(merged).run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernels,pads,convs_after", [
    # 3x3, 1x1 and a 2x2 padded before only: the 2x2 sits in the 3x3 window's top-left corner
    ([3, 1, 2], [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 0, 0]], 1),
    # two 2x2, one padded before and one after: together they read a 3x3 window, no 2x2 kernel holds both
    ([2, 2], [[1, 1, 0, 0], [0, 0, 1, 1]], 2),
], ids=["fits", "does_not_fit"])
def test_asymmetric_pads(kernels, pads, convs_after):
    """Explicit asymmetric pads, as other exporters write them; the numbers against ONNX Runtime on the
    unmerged graph."""
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = [numpy_helper.from_array(rng.standard_normal((4, 3, k, k)).astype(np.float32), f"w{i}")
               for i, k in enumerate(kernels)]
    convs = [helper.make_node("Conv", ["x", f"w{i}"], [f"c{i}"], pads=p) for i, p in enumerate(pads)]
    adds = [helper.make_node("Add", ["c0", "c1"], ["s1" if len(convs) > 2 else "y"])]
    adds += [helper.make_node("Add", ["s1", "c2"], ["y"])] if len(convs) > 2 else []
    graph = helper.make_graph(convs + adds, "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4, 6, 6])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    merged, (modified,) = run_passes(model, [MergeParallelConvsPass()])
    assert _convs(merged) == convs_after and modified == (convs_after == 1)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    expected = onnxruntime.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_allclose(ReferenceEvaluator(merged).run(None, {"x": x})[0], expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_strided_block_through_the_translation_passes(dynamo):
    """MobileOne's strided block (3 kxk branches + a 1x1 scale branch, stride 2, PyTorch's pads), exported with
    a dynamic batch, through every translation pass: one convolution, PyTorch's numbers at batch 1 and 3."""
    from converter.config import ConversionConfig
    from converter.onnx_passes.pipeline import run_passes as run_pipeline

    torch.manual_seed(0)
    module = _trained_looking(_fastvit_mobileone(stride=2)())
    model = export_module(module, torch.randn(2, 16, 10, 10), dynamo, dynamic_batch=True)
    assert _convs(model) == 4
    _, translated, _ = run_pipeline(model, ConversionConfig(checkpoint="block.onnx", name="block"))
    assert sum(n.op_type == "Conv" for n in translated.graph.node) == 1
    backend = prepare(translated)
    for batch in (1, 3):
        x = torch.randn(batch, 16, 10, 10)
        np.testing.assert_allclose(backend.run([x.numpy()])[0], module(x).detach().numpy(), rtol=1e-4, atol=1e-4)
