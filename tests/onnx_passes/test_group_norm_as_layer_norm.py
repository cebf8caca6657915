"""GroupNormAsLayerNormPass on a PoolFormer block as timm writes it (GroupNorm with one group, pooling token
mixer, layer scale, 1x1-conv MLP), through both exporters: the one-group GroupNorms become LayerNormalization,
the block runs channels-last from input to output, and the numbers are PyTorch's at other batch sizes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from converter.backend import prepare
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass
from converter.onnx_passes.group_norm_as_layer_norm import GroupNormAsLayerNormPass
from converter.onnx_passes.make_batch_dynamic import MakeBatchDynamicPass
from tests.onnx_passes._helpers import export_module, run_passes


class PoolFormerBlock(torch.nn.Module):
    def __init__(self, channels=16, groups=1):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, channels, 3, padding=1)       # the patch embedding before the blocks
        self.norm1, self.norm2 = torch.nn.GroupNorm(groups, channels), torch.nn.GroupNorm(groups, channels)
        self.pool = torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.fc1, self.fc2 = torch.nn.Conv2d(channels, 4 * channels, 1), torch.nn.Conv2d(4 * channels, channels, 1)
        self.scale1 = torch.nn.Parameter(torch.rand(channels, 1, 1))
        self.scale2 = torch.nn.Parameter(torch.rand(channels, 1, 1))
        for norm in (self.norm1, self.norm2):      # trained affine parameters, not the initial ones and zeros
            torch.nn.init.uniform_(norm.weight, 0.5, 1.5)
            torch.nn.init.uniform_(norm.bias, -0.5, 0.5)

    def forward(self, x):
        x = self.stem(x)
        y = self.norm1(x)
        x = x + self.scale1 * (self.pool(y) - y)
        return x + self.scale2 * self.fc2(torch.nn.functional.gelu(self.fc1(self.norm2(x))))


def _rewrite(module, dynamo):
    x = torch.randn(2, 3, 6, 6)
    exported = export_module(module, x, dynamo, dynamic_batch=True)
    return run_passes(exported, [MakeBatchDynamicPass(), FoldShapeArithmeticPass(), GroupNormAsLayerNormPass(),
                                 ConvertToNhwcPass(), CancelTransposesPass()])


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_one_group_norm_becomes_layer_norm_and_the_block_stays_channels_last(dynamo):
    torch.manual_seed(0)
    module = PoolFormerBlock().eval()
    rewritten, modified = _rewrite(module, dynamo)
    op_types = [n.op_type for n in rewritten.graph.node]
    assert modified[2] and op_types.count("LayerNormalization") == 2 and "InstanceNormalization" not in op_types
    assert op_types.count("Transpose") == 2          # the graph input's and output's only
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 6, 6)).astype(np.float32)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(prepare(rewritten).run([x])[0], expected, rtol=1e-4, atol=2e-5)


def test_group_norm_with_several_groups_is_left_alone():
    torch.manual_seed(0)
    rewritten, modified = _rewrite(PoolFormerBlock(groups=4).eval(), dynamo=False)
    assert not modified[2]
    assert [n.op_type for n in rewritten.graph.node].count("InstanceNormalization") == 2


def _group_norm_rewritten(flatten_target: list, constants: dict) -> bool:
    """Whether the pass rewrites `flatten_target` nodes (making "flat") -> Reshape(x, flat) ->
    InstanceNormalization -> Reshape back, whose result feeds a Relu (not a graph output: the rewrite applies)."""
    from onnx import TensorProto, helper, numpy_helper
    constants = {**constants, "back": np.int64([-1, 4, 3, 3]), "scale": np.float32([1.0]), "bias": np.float32([0.0])}
    nodes = [*flatten_target,
             helper.make_node("Reshape", ["x", "flat"], ["f"]),
             helper.make_node("InstanceNormalization", ["f", "scale", "bias"], ["n"]),
             helper.make_node("Reshape", ["n", "back"], ["unflat"]),
             helper.make_node("Relu", ["unflat"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, 3, 3])],
                              [helper.make_empty_tensor_value_info("y")],
                              [numpy_helper.from_array(v, k) for k, v in constants.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    _, (modified,) = run_passes(model, [GroupNormAsLayerNormPass()])
    return modified


def test_a_flatten_per_sample_is_rewritten_and_one_over_the_batch_too_is_left_alone():
    """`Reshape(x, [1, 1, -1])` normalises the whole batch together: not one LayerNormalization per sample."""
    assert _group_norm_rewritten([], {"flat": np.int64([0, 1, -1])})
    assert not _group_norm_rewritten([], {"flat": np.int64([1, 1, -1])})


def test_a_flatten_whose_target_is_computed_at_run_time_is_left_alone():
    """Without FoldShapeArithmeticPass before it the target is `Concat(Shape(x)[:1], [1, -1])`: not read."""
    from onnx import helper
    target = [helper.make_node("Shape", ["x"], ["shape"]),
              helper.make_node("Slice", ["shape", "start", "end"], ["batch"]),
              helper.make_node("Concat", ["batch", "tail"], ["flat"], axis=0)]
    assert not _group_norm_rewritten(target, {"start": np.int64([0]), "end": np.int64([1]), "tail": np.int64([1, -1])})
