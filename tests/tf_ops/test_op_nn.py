"""nn family (matmul / normalization / reduce / softmax / attention) with a dynamic batch: each model
is traced once in a tf.function whose input_signature has a None batch dimension, run at two batch
sizes, and compared with onnxruntime (or onnx's reference evaluator for ops onnxruntime lacks)."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import tensorflow as tf
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter.tf_ops.module import OnnxModule
from tests.tf_ops._tensor_case import assert_matches_onnxruntime, single_node_model, translated_op_counts

RNG = np.random.default_rng(0)


def make_model(nodes, inputs, outputs, initializers=(), opset=18):
    """inputs/outputs: (name, shape) with "N" for the dynamic batch; float32 unless (name, shape, type)."""
    def info(spec):
        name, shape, elem = (*spec, TensorProto.FLOAT)[:3]
        return helper.make_tensor_value_info(name, elem, shape)
    graph = helper.make_graph(nodes, "t", [info(i) for i in inputs], [info(o) for o in outputs],
                              [numpy_helper.from_array(a, n) for n, a in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


def run_dynamic(model, feeds: dict) -> list:
    """Trace once with None in place of every "N" dimension, then run on `feeds`."""
    module = OnnxModule(model)
    by_name = {i.name: i for i in model.graph.input}
    signature = {}
    for name in feeds:
        dims = by_name[name].type.tensor_type.shape.dim
        shape = [None if d.dim_param else d.dim_value for d in dims]
        signature[name] = tf.TensorSpec(shape, tf.as_dtype(feeds[name].dtype), name=name)
    fn = tf.function(lambda f: module.run(f), input_signature=[signature], autograph=False)
    result = fn({k: tf.constant(v) for k, v in feeds.items()})
    return [result[o.name].numpy() for o in model.graph.output]


def check(model, make_feeds, reference="ort", rtol=1e-4, atol=1e-5):
    for batch in (1, 3):
        feeds = make_feeds(batch)
        if reference == "ort":
            session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
            expected = session.run(None, feeds)
        else:
            expected = ReferenceEvaluator(model).run(None, feeds)
        actual = run_dynamic(model, feeds)
        for got, want in zip(actual, expected):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def test_gemm_trans_b_with_bias():
    w, c = randn(5, 4), randn(5)
    model = make_model([helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1, alpha=0.5, beta=2.0)],
                       [("x", ["N", 4])], [("y", ["N", 5])], [("w", w), ("c", c)], opset=13)
    check(model, lambda n: {"x": randn(n, 4)})


def test_matmul_batched_by_matrix():
    w = randn(6, 3)
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["y"])],
                       [("x", ["N", 2, 6])], [("y", ["N", 2, 3])], [("w", w)])
    check(model, lambda n: {"x": randn(n, 2, 6)})


def test_einsum_batch_matmul():
    model = make_model([helper.make_node("Einsum", ["a", "b"], ["y"], equation="bij,bjk->bik")],
                       [("a", ["N", 2, 3]), ("b", ["N", 3, 4])], [("y", ["N", 2, 4])])
    check(model, lambda n: {"a": randn(n, 2, 3), "b": randn(n, 3, 4)})


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceL2", "ReduceLogSumExp", "ReduceProd"])
def test_reduce_with_constant_axes(op):
    axes = np.array([1, -1], np.int64)
    model = make_model([helper.make_node(op, ["x", "axes"], ["y"], keepdims=0)],
                       [("x", ["N", 3, 4])], [("y", ["N"])], [("axes", axes)])
    check(model, lambda n: {"x": randn(n, 3, 4)})


@pytest.mark.parametrize("axes", [[], [2]])
def test_reduce_sum_runtime_axes_noop(axes):
    """Axes fed at run time: an empty tensor with noop_with_empty_axes passes the input through."""
    model = make_model([helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=1, noop_with_empty_axes=1)],
                       [("x", ["N", 3, 4]), ("axes", ["A"], TensorProto.INT64)], [("y", None)])
    check(model, lambda n: {"x": randn(n, 3, 4), "axes": np.array(axes, np.int64)})


def test_reduce_mean_attribute_axes_opset13():
    model = make_model([helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3])],
                       [("x", ["N", 3, 4, 5])], [("y", ["N", 3, 1, 1])], opset=13)
    check(model, lambda n: {"x": randn(n, 3, 4, 5)})


@pytest.mark.parametrize("op,opset", [("Softmax", 11), ("Softmax", 13), ("LogSoftmax", 11),
                                      ("LogSoftmax", 13), ("Hardmax", 11), ("Hardmax", 13)])
def test_softmax_family_axis_semantics(op, opset):
    model = make_model([helper.make_node(op, ["x"], ["y"], axis=1)],
                       [("x", ["N", 3, 4])], [("y", ["N", 3, 4])], opset=opset)
    check(model, lambda n: {"x": randn(n, 3, 4)})


def test_argmax_select_last_index():
    model = make_model([helper.make_node("ArgMax", ["x"], ["y"], axis=1, keepdims=0, select_last_index=1)],
                       [("x", ["N", 6])], [("y", ["N"], TensorProto.INT64)], opset=13)
    check(model, lambda n: {"x": RNG.integers(0, 3, (n, 6)).astype(np.float32)})


def test_batch_and_instance_normalization():
    c = 3
    scale, bias, mean, var = randn(c), randn(c), randn(c), np.abs(randn(c)) + 0.5
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["h"], epsilon=1e-3),
             helper.make_node("InstanceNormalization", ["h", "s", "b"], ["y"])]
    model = make_model(nodes, [("x", ["N", c, 4, 5])], [("y", ["N", c, 4, 5])],
                       [("s", scale), ("b", bias), ("m", mean), ("v", var)], opset=15)
    check(model, lambda n: {"x": randn(n, c, 4, 5)})


def test_layer_and_group_normalization():
    nodes = [helper.make_node("LayerNormalization", ["x", "s", "b"], ["h"], axis=-2),
             helper.make_node("GroupNormalization", ["h", "gs", "gb"], ["y"], num_groups=2)]
    model = make_model(nodes, [("x", ["N", 4, 3, 5])], [("y", ["N", 4, 3, 5])],
                       [("s", randn(3, 5)), ("b", randn(3, 5)), ("gs", randn(4)), ("gb", randn(4))], opset=21)
    check(model, lambda n: {"x": randn(n, 4, 3, 5)})


def test_lp_normalization():
    model = make_model([helper.make_node("LpNormalization", ["x"], ["y"], axis=1, p=1)],
                       [("x", ["N", 6, 3])], [("y", ["N", 6, 3])], opset=13)
    check(model, lambda n: {"x": randn(n, 6, 3)})


def _numpy_lrn(x, size, alpha, beta, bias):
    """The ONNX spec's window [c - floor((size-1)/2), c + ceil((size-1)/2)] written out in numpy."""
    squares = np.zeros_like(x)
    channels = x.shape[1]
    for c in range(channels):
        lo, hi = max(0, c - (size - 1) // 2), min(channels, c + int(np.ceil((size - 1) / 2)) + 1)
        squares[:, c] = np.sum(x[:, lo:hi] ** 2, axis=1)
    return x / (bias + alpha / size * squares) ** beta


@pytest.mark.parametrize("size", [3, 4])
def test_lrn_odd_and_even_size(size):
    """onnxruntime rejects even sizes and onnx's reference LRN loops over the batch axis, so the
    reference here is a direct numpy transcription of the spec."""
    model = make_model([helper.make_node("LRN", ["x"], ["y"], size=size, alpha=0.01, beta=0.6, bias=1.5)],
                       [("x", ["N", 6, 3, 3])], [("y", ["N", 6, 3, 3])], opset=13)
    for batch in (1, 3):
        x = randn(batch, 6, 3, 3)
        np.testing.assert_allclose(run_dynamic(model, {"x": x})[0], _numpy_lrn(x, size, 0.01, 0.6, 1.5),
                                   rtol=1e-5, atol=1e-6)


def test_softmax_cross_entropy_with_ignore_index():
    model = make_model([helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["loss", "logp"], ignore_index=1)],
                       [("x", ["N", 5, 2]), ("t", ["N", 2], TensorProto.INT64)], [("loss", []), ("logp", ["N", 5, 2])],
                       opset=13)
    check(model, lambda n: {"x": randn(n, 5, 2), "t": RNG.integers(0, 5, (n, 2)).astype(np.int64)})


def test_attention_causal_gqa_with_past():
    """Opset 23 Attention (not in onnxruntime's CPU provider: compared with onnx's reference)."""
    node = helper.make_node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "present_k", "present_v"],
                            is_causal=1)
    model = make_model([node], [("q", ["N", 4, 3, 8]), ("k", ["N", 2, 3, 8]), ("v", ["N", 2, 3, 8]),
                                ("pk", ["N", 2, 2, 8]), ("pv", ["N", 2, 2, 8])],
                       [("y", ["N", 4, 3, 8]), ("present_k", ["N", 2, 5, 8]), ("present_v", ["N", 2, 5, 8])],
                       opset=23)
    check(model, lambda n: {"q": randn(n, 4, 3, 8), "k": randn(n, 2, 3, 8), "v": randn(n, 2, 3, 8),
                            "pk": randn(n, 2, 2, 8), "pv": randn(n, 2, 2, 8)}, reference="onnx")


def test_rotary_embedding_3d_with_position_ids():
    node = helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], num_heads=2)
    model = make_model([node], [("x", ["N", 3, 8]), ("pos", ["N", 3], TensorProto.INT64)], [("y", ["N", 3, 8])],
                       [("cos", randn(10, 2)), ("sin", randn(10, 2))], opset=23)
    check(model, lambda n: {"x": randn(n, 3, 8), "pos": RNG.integers(0, 10, (n, 3)).astype(np.int64)},
          reference="onnx")


def test_mat_mul_integer_per_row_zero_point():
    a_zero = np.array([3, 250], np.uint8)            # one zero point per row of A
    b_zero = np.array([1, 2, 3], np.uint8)           # one per column of B
    model = make_model([helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
                       [("a", [2, 4], TensorProto.UINT8)], [("y", [2, 3], TensorProto.INT32)],
                       [("b", RNG.integers(0, 255, (4, 3)).astype(np.uint8)), ("az", a_zero), ("bz", b_zero)],
                       opset=13)
    feeds = {"a": RNG.integers(0, 255, (2, 4)).astype(np.uint8)}
    a = feeds["a"].astype(np.int32) - a_zero.astype(np.int32)[:, None]
    b = numpy_helper.to_array(model.graph.initializer[0]).astype(np.int32) - b_zero.astype(np.int32)
    np.testing.assert_array_equal(run_dynamic(model, feeds)[0], a @ b)


def test_linear_attention_gated_delta_gqa():
    node = helper.make_node("LinearAttention", ["q", "k", "v", "", "g", "beta"], ["y", "state"],
                            q_num_heads=4, kv_num_heads=2, update_rule="gated_delta")
    model = make_model([node], [("q", ["N", 3, 8]), ("k", ["N", 3, 4]), ("v", ["N", 3, 6]),
                                ("g", ["N", 3, 2]), ("beta", ["N", 3, 2])],
                       [("y", ["N", 3, 12]), ("state", ["N", 2, 2, 3])], opset=27)

    def feeds(n):
        return {"q": randn(n, 3, 8), "k": randn(n, 3, 4) * 0.5, "v": randn(n, 3, 6),
                "g": -np.abs(randn(n, 3, 2)), "beta": 1 / (1 + np.exp(-randn(n, 3, 2)))}
    check(model, feeds, reference="onnx")


def test_group_normalization_18_scale_per_group():
    """Opset 18 takes one scale/bias per group (opset 21 one per channel)."""
    model = make_model([helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2, epsilon=1e-3)],
                       [("x", ["N", 4, 3])], [("y", ["N", 4, 3])], [("s", randn(2)), ("b", randn(2))], opset=18)
    check(model, lambda n: {"x": randn(n, 4, 3)}, reference="onnx")


@pytest.mark.parametrize("unit", [True, False], ids=["unit-scale-zero-bias", "trained"])
def test_layer_norm_applies_scale_and_bias_only_when_they_change_something(unit):
    """FoldLayerNormAffinePass leaves a unit scale behind; its multiply (and a zero bias's add) is not run."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    scale = np.ones(8, np.float32) if unit else rng.uniform(0.5, 2, 8).astype(np.float32)
    bias = np.zeros(8, np.float32) if unit else rng.uniform(-1, 1, 8).astype(np.float32)
    model = single_node_model("LayerNormalization", {"x": x}, ["y"], 17, {"scale": scale, "bias": bias})
    assert_matches_onnxruntime(model, {"x": x}, rtol=1e-5, atol=1e-5)
    counts = translated_op_counts(model, {"x": x})
    assert (counts["Mul"], counts["AddV2"]) == ((1, 1) if unit else (2, 2))    # normalise (+ epsilon) [+ affine]
