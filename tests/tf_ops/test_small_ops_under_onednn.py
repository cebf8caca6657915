"""Transposes, small batched matrix products, small softmaxes and small swishes kept off oneDNN's kernels, whose
fixed cost per call dwarfs them (TF's default on AVX-512 CPUs): transposes that keep the innermost axis on the
int32 view of a float32 tensor (converter/tf_ops/_transpose.py, bit for bit), small products as BatchMatMulV3
(converter/tf_ops/_matmul.py), small softmaxes as Exp(LogSoftmax) (converter/tf_ops/_softmax.py), small swishes
as Sigmoid and MulNoNan (converter/tf_ops/_swish.py; their values: tests/onnx_passes/test_fuse_swish.py); which
kernels TF runs for them under oneDNN, the others unchanged, and an attention block and a gated MLP served in both
kernel families."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import torch
from tensorflow.core.protobuf import saved_model_pb2

from converter.child import EIGEN_KERNELS, ONEDNN_KERNELS
from converter.tf_ops._matmul import batched_matmul
from converter.tf_ops._softmax import SMALL_SOFTMAX, softmax_last
from converter.tf_ops._transpose import transpose
from tests.tf_ops._served import served_and_eager

RNG = np.random.default_rng(0)
KERNEL_FAMILIES = pytest.mark.parametrize("kernels", [EIGEN_KERNELS, ONEDNN_KERNELS], ids=["eigen", "onednn"])


def _graph_ops(fn, *arrays):
    specs = [tf.TensorSpec([None, *a.shape[1:]], a.dtype) for a in arrays]
    graph = tf.function(fn).get_concrete_function(*specs).graph
    return [(op.type, op.get_attr("T").name if op.type == "Transpose" else None) for op in graph.get_operations()
            if op.type in ("Transpose", "Bitcast") or op.type.startswith("BatchMatMul") or "Softmax" in op.type
            or op.type == "Exp"]


@pytest.mark.parametrize("shape, perm", [((2, 5, 3, 8), [0, 2, 1, 3]), ((3, 4, 9), [1, 0, 2]),
                                         ((2, 3, 4, 5, 8), [2, 0, 3, 1, 4])])
def test_innermost_axis_kept_runs_on_int32_bits_exactly(shape, perm):
    x = RNG.standard_normal(shape).astype(np.float32)
    x.reshape(-1)[:4] = [np.nan, np.inf, -0.0, -np.inf]        # bit patterns survive the int32 view
    y = transpose(tf.constant(x), perm).numpy()
    assert y.dtype == np.float32 and y.shape == np.transpose(x, perm).shape
    assert np.array_equal(y.view(np.int32), np.transpose(x, perm).view(np.int32))
    assert _graph_ops(lambda t: transpose(t, perm), x) == [("Bitcast", None), ("Transpose", "int32"),
                                                           ("Bitcast", None)]


@pytest.mark.parametrize("shape, perm", [((5, 16, 2, 2), [0, 2, 1, 3]), ((5, 8, 16, 4), [0, 1, 3, 2])])
def test_rows_shorter_than_eight_stay_float32(shape, perm):
    """MobileViT's unfold: rows of 2 in a tensor whose first axis is 1024 x the batch (not a small item)."""
    x = RNG.standard_normal(shape).astype(np.float32)
    assert np.array_equal(transpose(tf.constant(x), perm).numpy(), np.transpose(x, perm))
    assert _graph_ops(lambda t: transpose(t, perm), x) == [("Transpose", "float32")]


@pytest.mark.parametrize("dtype, perm", [(np.float32, [0, 2, 3, 1]), (np.float32, [0, 1, 3, 2]),
                                         (np.float32, None), (np.float64, [0, 2, 1, 3]),
                                         (np.int64, [0, 2, 1, 3]), (np.float16, [1, 0, 2, 3])])
def test_other_transposes_stay_plain(dtype, perm):
    x = RNG.standard_normal((2, 3, 8, 8)).astype(dtype)
    assert np.array_equal(transpose(tf.constant(x), perm).numpy(), np.transpose(x, perm))
    assert _graph_ops(lambda t: transpose(t, perm), x) == [("Transpose", np.dtype(dtype).name)]


@pytest.mark.parametrize("a_shape, b_shape", [((3, 4, 16, 8), (3, 4, 8, 16)), ((1, 16, 8), (3, 8, 16)),
                                               ((3, 1, 16, 8), (1, 4, 8, 16))])
def test_small_float32_products_run_as_batch_matmul_v3(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape).astype(np.float32), RNG.standard_normal(b_shape).astype(np.float32)
    np.testing.assert_allclose(batched_matmul(tf.constant(a), tf.constant(b)).numpy(), np.matmul(a, b),
                               rtol=1e-5, atol=1e-5)
    assert _graph_ops(batched_matmul, a, b) == [("BatchMatMulV3", None)]


@pytest.mark.parametrize("a_shape, b_shape, dtype", [((3, 12, 128, 64), (3, 12, 64, 128), np.float32),
                                                      ((3, 4, 16, 8), (3, 4, 8, 16), np.float64)])
def test_large_or_other_products_stay_batch_matmul_v2(a_shape, b_shape, dtype):
    a, b = RNG.standard_normal(a_shape).astype(dtype), RNG.standard_normal(b_shape).astype(dtype)
    np.testing.assert_allclose(batched_matmul(tf.constant(a), tf.constant(b)).numpy(), np.matmul(a, b),
                               rtol=1e-5, atol=1e-4)
    assert _graph_ops(batched_matmul, a, b) == [("BatchMatMulV2", None)]


def _softmax_reference(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


@pytest.mark.parametrize("shape", [(3, 4, 16, 16), (2, 10), (2, SMALL_SOFTMAX // 64, 64)])
def test_small_float32_softmax_runs_as_exp_of_log_softmax(shape):
    x = (RNG.standard_normal(shape) * 8).astype(np.float32)      # wide logits: probabilities down to 1e-20
    y = softmax_last(tf.constant(x)).numpy()
    np.testing.assert_allclose(y, _softmax_reference(x), rtol=2e-5, atol=2e-7)
    assert _graph_ops(softmax_last, x) == [("LogSoftmax", None), ("Exp", None)]


@pytest.mark.parametrize("shape, dtype", [((2, 4, 64, 65), np.float32), ((2, 4, 16, 16), np.float64)])
def test_large_or_other_softmax_stays_softmax(shape, dtype):
    x = RNG.standard_normal(shape).astype(dtype)
    np.testing.assert_allclose(softmax_last(tf.constant(x)).numpy(), _softmax_reference(x), rtol=1e-5, atol=1e-7)
    assert _graph_ops(softmax_last, x) == [("Softmax", None)]


_KERNELS_RUN = """
import json, numpy as np, tensorflow as tf
from converter.tf_ops._matmul import batched_matmul
from converter.tf_ops._softmax import softmax_last
from converter.tf_ops._swish import swish
from converter.tf_ops._transpose import transpose
tf1 = tf.compat.v1
tf1.disable_eager_execution()
x = tf1.placeholder(tf.float32, [None, 16, 8, 16])
heads = transpose(x + 1.0, [0, 2, 1, 3])            # attention's head split: innermost axis kept
channels_last = transpose(x + 2.0, [0, 2, 3, 1])    # NCHW -> NHWC: innermost axis moved
small = batched_matmul(heads, heads + 1.0)          # 8 x 16 x 16 x 16 multiply-adds per item
long = tf.tile(heads, [1, 1, 8, 1])
large = batched_matmul(long, tf.transpose(long, [0, 1, 3, 2]))    # 8 x 128 x 16 x 128 per item
weights = softmax_last(small)                       # 8 x 16 x 16 per item
wide_weights = softmax_last(large)                  # 8 x 128 x 128 per item
small_silu = swish(x + 3.0)                         # 16 x 8 x 16 per item
large_silu = swish(tf.tile(x, [1, 1, 8, 1]))        # 16 x 64 x 16 per item
metadata = tf1.RunMetadata()
tf1.Session().run([channels_last, weights, wide_weights, small_silu, large_silu], {x: np.ones((2, 16, 8, 16), np.float32)},
                  options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE), run_metadata=metadata)
kernels = {s.timeline_label.split(" = ")[-1].split("(")[0] for d in metadata.step_stats.dev_stats for s in d.node_stats}
print(json.dumps(sorted(k for k in kernels if any(part in k for part in ("Transpose", "BatchMatMul", "Softmax", "Swish",
                                                                          "Sigmoid", "MulNoNan")))))
"""


def test_under_onednn_only_what_stays_float_takes_its_kernels():
    """The premise: oneDNN rewrites float32 Transposes into _MklTranspose, BatchMatMulV2 into _MklBatchMatMulV2,
    Softmax into _MklSoftmax and Mul(Sigmoid(x), x) into _MklSwish (fixed costs of 60-150 us per call,
    docs/performance.md) and leaves int32 transposes, BatchMatMulV3, LogSoftmax and MulNoNan to TF's Eigen
    kernels."""
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", _KERNELS_RUN], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["BatchMatMulV3", "LogSoftmax", "MulNoNan", "Sigmoid",
                                                                "Transpose", "_MklBatchMatMulV2", "_MklSoftmax",
                                                                "_MklSwish", "_MklTranspose"]


def _served_kinds(saved_model_dir) -> set[str]:
    """Transposes (with their element type), batched products and softmaxes in the SavedModel's functions."""
    saved = saved_model_pb2.SavedModel.FromString((saved_model_dir / "saved_model.pb").read_bytes())
    graph = saved.meta_graphs[0].graph_def
    nodes = [*graph.node, *(n for f in graph.library.function for n in f.node_def)]
    return {f"{n.op}:{tf.dtypes.as_dtype(n.attr['T'].type).name}" if n.op == "Transpose" else n.op
            for n in nodes if n.op in ("Transpose", "Sigmoid", "Mul", "MulNoNan") or n.op.startswith("BatchMatMul")
            or "Softmax" in n.op}


class SelfAttention(torch.nn.Module):
    """Multi-head self-attention written out as the transformers libraries write it: heads split and merged by
    transposes that keep the innermost axis, and the key transposed for Q @ K^T (innermost axis moved)."""

    def __init__(self, width: int = 32, heads: int = 4):
        super().__init__()
        self.heads, self.qkv, self.out = heads, torch.nn.Linear(width, 3 * width), torch.nn.Linear(width, width)

    def forward(self, x):
        batch, tokens, width = x.shape
        q, k, v = (t.reshape(batch, tokens, self.heads, -1).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
        scores = q @ k.transpose(-1, -2) / (width // self.heads) ** 0.5
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, tokens, width)
        return self.out(mixed)


class GatedMlp(torch.nn.Module):
    """Llama's MLP as transformers writes it: down(silu(gate(x)) * up(x)), 16 tokens x 64 per item."""

    def __init__(self, width: int = 32, hidden: int = 64):
        super().__init__()
        self.gate, self.up = torch.nn.Linear(width, hidden, bias=False), torch.nn.Linear(width, hidden, bias=False)
        self.down = torch.nn.Linear(hidden, width, bias=False)

    def forward(self, x):
        return self.down(torch.nn.functional.silu(self.gate(x)) * self.up(x))


# Attention: heads split and merged on the int32 view, Q @ K^T and P @ V as BatchMatMulV3, the attention weights
# as Exp(LogSoftmax); the key's swap of its last two axes is Q @ K^T's adjoint flag (FoldTransposeIntoMatMulPass):
# no float32 transpose is left. The gated MLP: its SiLU as Sigmoid and MulNoNan (no Mul(Sigmoid(x), x) for the
# remapper to make _MklSwish of); the Mul left is the gate times the up projection.
@KERNEL_FAMILIES
@pytest.mark.parametrize("module, spec, kinds", [
    (SelfAttention, "x:float32:2x8x32", {"Transpose:int32", "BatchMatMulV3", "LogSoftmax"}),
    (GatedMlp, "x:float32:2x16x32", {"Sigmoid", "MulNoNan", "Mul"}),
], ids=["attention", "gated MLP"])
def test_served_in_both_kernel_families(tmp_path, kernels, module, spec, kinds):
    torch.manual_seed(0)
    served, eager = served_and_eager(module(), spec, 5, tmp_path, kernels=kernels)
    assert _served_kinds(tmp_path / "saved") == kinds
    assert served[0].shape == (5, *eager[0].shape[1:]) == (5, *map(int, spec.split(":")[2].split("x")[1:]))
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-5, atol=1e-5)
