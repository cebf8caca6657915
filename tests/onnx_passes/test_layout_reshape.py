"""Transposes move through a Reshape that only merges or splits groups of axes, when each group is a run of
consecutive axes of the untransposed tensor: the reshape then runs on that tensor and the transpose after it,
where it meets the next one and they compose. Checked on single reshapes against onnxruntime, and on an
attention over a convolution's output written as EfficientFormerV2 writes it, through both exporters."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from converter.backend import prepare
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass
from converter.onnx_passes.make_batch_dynamic import MakeBatchDynamicPass
from tests.onnx_passes._helpers import ShuffleUnits, export_module, run_passes
from tests.tf_ops._tensor_case import run_onnxruntime


def _transpose_reshape(x_dims, perm, target, then=None) -> onnx.ModelProto:
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=perm), helper.make_node("Reshape", ["t", "shape"], ["r"])]
    if then:
        nodes.append(helper.make_node("Transpose", ["r"], ["y"], perm=then))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims)],
                              [helper.make_empty_tensor_value_info(nodes[-1].output[0])],
                              [numpy_helper.from_array(np.int64(target), "shape")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    return onnx.shape_inference.infer_shapes(model)


RESHAPES = [  # (input dims, transpose, reshape target, transpose after, whether the reshape runs first)
    (["N", 7, 7, 64], [0, 3, 1, 2], [-1, 8, 8, 49], [0, 1, 3, 2], True),     # heads over an NHWC conv's output
    (["N", 7, 7, 64], [0, 3, 1, 2], [0, 64, 49], [0, 2, 1], True),           # flatten(2).transpose(1, 2)
    ([2, 6, 4], [0, 2, 1], [2, 2, 2, 6], [0, 1, 3, 2], True),                # a split, all sizes static
    (["N", 6, 4], [0, 2, 1], [-1, 24], [1, 0], False),                       # merges axes the perm swapped
    (["N", 4, 6, 5], [0, 1, 3, 2], [-1, 20, 6], [0, 2, 1], False),           # group {1,2} is x's {1,3}
    (["N", 6, 1, 4], [0, 3, 1, 2], [-1, 4, 6], [0, 2, 1], False),            # a size-1 axis has no group
]


@pytest.mark.parametrize("x_dims,perm,target,then,moves", RESHAPES, ids=[str(r[2]) for r in RESHAPES])
def test_transpose_moves_through_a_reshape_of_axis_groups(x_dims, perm, target, then, moves):
    model = _transpose_reshape(x_dims, perm, target, then)
    rewritten, _ = run_passes(model, [CancelTransposesPass()])
    op_types = [n.op_type for n in rewritten.graph.node]
    # moved: Reshape, then the two transposes composed into one (none when they cancel)
    assert op_types[0] == ("Reshape" if moves else "Transpose")
    assert op_types.count("Transpose") == (2 if not moves else int(op_types[-1] == "Transpose"))
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal([batch if d == "N" else d for d in x_dims]).astype(np.float32)
        np.testing.assert_array_equal(run_onnxruntime(rewritten, {"x": x})[0], run_onnxruntime(model, {"x": x})[0])


def test_a_reshape_not_followed_by_a_transpose_keeps_the_transpose_before_it():
    """Moved on its own, a transpose does not compose with anything, and greedy pushes can cost one more."""
    rewritten, _ = run_passes(_transpose_reshape(["N", 7, 7, 64], [0, 3, 1, 2], [-1, 8, 8, 49]), [CancelTransposesPass()])
    assert [n.op_type for n in rewritten.graph.node] == ["Transpose", "Reshape"]


class ConvAttention(torch.nn.Module):
    """timm's EfficientFormerV2 Attention2d, reduced: q, k, v 1x1 convs split into heads by reshape and permute."""

    def __init__(self, channels=32, heads=4, resolution=5):
        super().__init__()
        self.heads, self.n = heads, resolution * resolution
        self.q, self.k, self.v = (torch.nn.Conv2d(channels, channels, 1) for _ in range(3))
        self.proj = torch.nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).reshape(b, self.heads, -1, self.n).permute(0, 1, 3, 2)
        k = self.k(x).reshape(b, self.heads, -1, self.n)
        v = self.v(x).reshape(b, self.heads, -1, self.n).permute(0, 1, 3, 2)
        attention = (q @ k * 0.25).softmax(dim=-1)
        out = (attention @ v).transpose(2, 3).reshape(b, c, h, w)
        return self.proj(torch.relu(out))


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_attention_over_conv_output_keeps_one_transpose_per_head_split(dynamo):
    torch.manual_seed(0)
    module = ConvAttention().eval()
    x = torch.randn(2, 32, 5, 5)
    exported = export_module(module, x, dynamo, dynamic_batch=True)
    rewritten, _ = run_passes(exported, [MakeBatchDynamicPass(), FoldShapeArithmeticPass(), ConvertToNhwcPass(),
                                         CancelTransposesPass()])
    producers = {o: n.op_type for n in rewritten.graph.node for o in n.output}
    transposes = [(producers.get(n.input[0], "input"), list(n.attribute[0].ints))
                  for n in rewritten.graph.node if n.op_type == "Transpose"]
    # q and v: Conv -> Transpose(0,3,1,2) -> Reshape -> Transpose(0,1,3,2) became Conv -> Reshape -> Transpose(0,2,1,3);
    # k (no transpose after its reshape) keeps its one, as do the input's per conv and the output path's three.
    head_splits = [t for t in transposes if t == ("Reshape", [0, 2, 1, 3])]
    assert len(head_splits) == 2 and len(transposes) == 9, transposes
    for batch in (1, 3):
        x_batch = np.random.default_rng(batch).standard_normal((batch, 32, 5, 5)).astype(np.float32)
        with torch.no_grad():
            reference = module(torch.from_numpy(x_batch)).numpy()
        np.testing.assert_allclose(prepare(rewritten).run([x_batch])[0], reference, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_channel_shuffles_run_channels_last(dynamo):
    """Reached by the NHWC->NCHW transpose, the shuffle's `Reshape -> Transpose(0,4,3,1,2) -> Reshape(B,C,H,W)`
    is split at the merging reshape: the shuffle itself in NHWC, then a transpose the next unit's convs cancel.
    Left: the input's, one per shuffle, the output's (the last shuffle's may stay channels-first: it costs the
    same). torch.export writes the chunk as a Split: the transpose moves through it, one per half."""
    torch.manual_seed(0)
    module = ShuffleUnits(units=3).eval()
    exported = export_module(module, torch.randn(2, 8, 6, 6), dynamo, dynamic_batch=True)
    rewritten, _ = run_passes(exported, [MakeBatchDynamicPass(), FoldShapeArithmeticPass(), ConvertToNhwcPass(),
                                         CancelTransposesPass()])
    transposes = [list(n.attribute[0].ints) for n in rewritten.graph.node if n.op_type == "Transpose"]
    assert len(transposes) == 5 and transposes.count([0, 1, 2, 4, 3]) >= 2, transposes
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 8, 6, 6)).astype(np.float32)
        with torch.no_grad():
            reference = module(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(prepare(rewritten).run([x])[0], reference, rtol=1e-5, atol=1e-6)


class _PlainBlock(torch.nn.Module):
    """Convs, a residual add and a flattening head: nothing a bolder move could start from."""

    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.Conv2d(8, 8, 1)

    def forward(self, x):
        return torch.flatten(torch.relu(self.b(torch.relu(self.a(x))) + x), 1)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("module", [ShuffleUnits(units=2), _PlainBlock()], ids=["shuffle", "plain"])
def test_bolder_moves_skipped_only_where_they_would_change_nothing(module, dynamo, monkeypatch):
    """CancelTransposesPass skips a bolder trial (and its clone of the model) where no such move can start:
    the graph it returns is the one the trial would have given, op for op."""
    import converter.onnx_passes.cancel_transposes as cancel

    exported = export_module(module.eval(), torch.randn(2, 8, 6, 6), dynamo, dynamic_batch=True)
    before = [MakeBatchDynamicPass(), FoldShapeArithmeticPass(), ConvertToNhwcPass()]
    asked = []
    may_move = cancel._may_move
    monkeypatch.setattr(cancel, "_may_move", lambda graph, moves: asked.append(may_move(graph, moves)) or asked[-1])
    skipping, _ = run_passes(exported, before + [CancelTransposesPass()])
    monkeypatch.setattr(cancel, "_may_move", lambda graph, moves: True)
    trying, _ = run_passes(exported, before + [CancelTransposesPass()])

    def ops(model):
        return [(n.op_type, [list(a.ints) for a in n.attribute if a.name == "perm"]) for n in model.graph.node]
    assert ops(skipping) == ops(trying)
    assert len(asked) == 2 and (any(asked) if isinstance(module, ShuffleUnits) else not any(asked)), asked
