"""Constant/shape-generating, triangular, cumulative, Det, Dropout, Identity and random ops, with a
dynamic leading dimension; deterministic ones against onnxruntime or onnx's reference."""
import numpy as np
import pytest
from onnx import TensorProto as P, helper, numpy_helper

from converter.tf_ops.module import OnnxModule
from tests.tf_ops._elementwise_runner import assert_matches, run_translated, single_node_model

rng = np.random.default_rng(5)


def _run_no_input_node(op_type, elem, **attrs):
    node = helper.make_node(op_type, [], ["y"], **attrs)
    graph = helper.make_graph([node], op_type.lower(), [], [helper.make_tensor_value_info("y", elem, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    return OnnxModule(model).run({})["y"].numpy()


@pytest.mark.parametrize("attrs, elem, expected", [
    ({"value": numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2))}, P.FLOAT,
     np.arange(6, dtype=np.float32).reshape(3, 2)),
    ({"value_floats": [1.5, 2.5]}, P.FLOAT, np.array([1.5, 2.5], np.float32)),
    ({"value_int": 7}, P.INT64, np.array(7, np.int64)),
    ({"value_strings": ["a", "bc"]}, P.STRING, np.array([b"a", b"bc"], object)),
    ({"sparse_value": helper.make_sparse_tensor(numpy_helper.from_array(np.array([5.0, 6.0], np.float32), "v"),
                                                numpy_helper.from_array(np.array([1, 4], np.int64), "i"), [2, 3])},
     P.FLOAT, np.array([[0, 5, 0], [0, 6, 0]], np.float32)),
])
def test_constant_attributes(attrs, elem, expected):
    got = _run_no_input_node("Constant", elem, **attrs)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_constant_of_shape_with_a_run_time_shape():
    value = numpy_helper.from_array(np.array([3], np.int32))
    assert_matches("ConstantOfShape", {"shape": np.array([2, 4, 3], np.int64)}, {"y": P.INT32}, opset=21,
                   value=value)
    assert_matches("ConstantOfShape", {"shape": np.array([0, 2], np.int64)}, {"y": P.FLOAT}, opset=21)


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_eye_like(k):
    assert_matches("EyeLike", {"x": np.zeros((4, 5), np.float32)}, {"y": P.INT64}, opset=21, k=k, dtype=P.INT64)
    assert_matches("EyeLike", {"x": np.zeros((3, 2), np.int32)}, {"y": P.INT32}, opset=21, k=k)


@pytest.mark.parametrize("start, limit, delta, dtype", [
    (1, 10, 3, np.int32), (10, -4, -3, np.int64), (2, 9, 2, np.int16), (0.5, 3.3, 0.4, np.float32),
    (3.0, -1.0, -0.7, np.float64),
])
def test_range(start, limit, delta, dtype):
    inputs = {"start": np.array(start, dtype), "limit": np.array(limit, dtype), "delta": np.array(delta, dtype)}
    assert_matches("Range", inputs, {"y": P.UNDEFINED}, opset=21)


def test_range_half_precision_opset_27_computes_in_float32():
    inputs = {"start": np.array(1000, np.float16), "limit": np.array(1100, np.float16), "delta": np.array(0.5, np.float16)}
    assert_matches("Range", inputs, {"y": P.FLOAT16}, opset=27, engine="onnx")


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [-2, 0, 1, 7])
def test_trilu_with_run_time_k(upper, k):
    x = rng.integers(1, 9, (2, 4, 5)).astype(np.int64)
    assert_matches("Trilu", {"x": x, "k": np.array(k, np.int64)}, {"y": P.INT64}, opset=21, upper=upper)
    assert_matches("Trilu", {"x": x.astype(np.float32)}, {"y": P.FLOAT}, opset=21, upper=upper)


@pytest.mark.parametrize("exclusive, reverse", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64])
def test_cum_sum(exclusive, reverse, dtype):
    x = rng.integers(-5, 6, (3, 4)).astype(dtype)
    assert_matches("CumSum", {"x": x, "axis": np.array(-1, np.int64)}, {"y": P.UNDEFINED}, opset=21,
                   exclusive=exclusive, reverse=reverse)


@pytest.mark.parametrize("exclusive, reverse", [(0, 0), (1, 1)])
def test_cum_prod(exclusive, reverse):
    x = rng.integers(1, 4, (3, 4)).astype(np.float32)
    assert_matches("CumProd", {"x": x, "axis": np.array(0, np.int32)}, {"y": P.FLOAT}, opset=26, engine="onnx",
                   exclusive=exclusive, reverse=reverse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_det(dtype):
    x = rng.standard_normal((4, 3, 3)).astype(dtype)
    engine = "onnx" if dtype == np.float64 else "ort"       # onnxruntime has no float64 Det kernel
    assert_matches("Det", {"x": x}, {"y": P.UNDEFINED}, opset=21, engine=engine, rtol=1e-2 if dtype == np.float16 else 1e-5,
                   atol=1e-2 if dtype == np.float16 else 1e-6)


def test_dropout_at_inference_is_identity_with_a_true_mask():
    x = rng.standard_normal((4, 3)).astype(np.float32)
    assert_matches("Dropout", {"x": x}, {"y": P.FLOAT, "mask": P.BOOL}, opset=21)
    assert_matches("Dropout", {"x": x, "ratio": np.array(0.3, np.float32), "training": np.array(False)},
                   {"y": P.FLOAT, "mask": P.BOOL}, opset=21)
    assert_matches("Dropout", {"x": x}, {"y": P.FLOAT}, opset=11, ratio=0.4)


def test_dropout_in_training_drops_and_scales():
    x = np.ones((400, 50), np.float32)
    model = single_node_model("Dropout", {"x": x, "ratio": np.array(0.25, np.float32), "training": np.array(True)},
                              {"y": P.FLOAT, "mask": P.BOOL}, opset=21)
    y, mask = run_translated(model, {"x": x, "ratio": np.array(0.25, np.float32), "training": np.array(True)})
    assert 0.7 < mask.mean() < 0.8
    np.testing.assert_allclose(y[mask], 1 / 0.75, rtol=1e-6)
    assert (y[~mask] == 0).all()


def test_identity_passes_tensors_through():
    assert_matches("Identity", {"x": np.array([["a", "b"]], object)}, {"y": P.STRING}, opset=21)


@pytest.mark.parametrize("op_type, attrs, low, high", [
    ("RandomUniformLike", {"low": -2.0, "high": 3.0}, -2.0, 3.0),
    ("RandomNormalLike", {"mean": 5.0, "scale": 0.1}, 4.0, 6.0),
])
def test_random_like_has_the_input_shape(op_type, attrs, low, high):
    x = np.zeros((300, 20), np.float64)
    model = single_node_model(op_type, {"x": x}, {"y": P.DOUBLE}, opset=21, **attrs)
    (y,) = run_translated(model, {"x": x})
    assert y.shape == x.shape and y.dtype == np.float64
    assert low <= y.min() and y.max() <= high
    assert abs(y.mean() - (low + high) / 2) < 0.1


def test_seeded_random_uniform_repeats_and_fills_its_range():
    attrs = dict(shape=[200, 10], seed=3.0, low=1.0, high=2.0, dtype=P.FLOAT)
    first, second = _run_no_input_node("RandomUniform", P.FLOAT, **attrs), _run_no_input_node("RandomUniform", P.FLOAT, **attrs)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (200, 10) and 1.0 <= first.min() and first.max() < 2.0 and abs(first.mean() - 1.5) < 0.05


def test_bernoulli_and_multinomial_shapes_and_extremes():
    p = np.tile(np.array([[0.0, 1.0, 1.0, 0.0]], np.float32), (6, 1))
    (draws,) = run_translated(single_node_model("Bernoulli", {"p": p}, {"y": P.INT32}, opset=21, dtype=P.INT32), {"p": p})
    np.testing.assert_array_equal(draws, p.astype(np.int32))          # p of 0 or 1 is deterministic
    logits = np.log(np.tile(np.array([[1e-9, 1.0, 1e-9]], np.float32), (5, 1)))
    model = single_node_model("Multinomial", {"logits": logits}, {"y": P.INT64}, opset=21, sample_size=7, dtype=P.INT64)
    (samples,) = run_translated(model, {"logits": logits})
    assert samples.shape == (5, 7) and samples.dtype == np.int64 and (samples == 1).all()
