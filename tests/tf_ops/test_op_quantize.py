"""Quantization ops with a dynamic (None) batch, against onnxruntime."""
import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as P
from onnx import helper as h

from tests.tf_ops._dynamic_batch import make_model, run_dynamic

RNG = np.random.default_rng(0)


def _check_against_ort(model, feeds, dynamic_shapes=None, exact=True):
    ours = run_dynamic(model, feeds, dynamic_shapes)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = session.run(None, feeds)
    for got, want in zip(ours, expected):
        assert got.dtype == want.dtype and got.shape == want.shape
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def _inputs(*specs):
    return [h.make_tensor_value_info(name, elem, shape) for name, elem, shape in specs]


@pytest.mark.parametrize("zero_type", [P.UINT8, P.INT8])
def test_quantize_dequantize_per_axis(zero_type):
    np_type = np.uint8 if zero_type == P.UINT8 else np.int8
    scale = np.array([0.02, 0.05, 0.1], np.float32)
    zero = np.array([128, 10, 0], np_type) if zero_type == P.UINT8 else np.array([0, -5, 3], np_type)
    nodes = [h.make_node("QuantizeLinear", ["x", "scale", "zero"], ["q"], axis=1),
             h.make_node("DequantizeLinear", ["q", "scale", "zero"], ["y"], axis=1)]
    model = make_model(nodes, _inputs(("x", P.FLOAT, [None, 3, 4])),
                       [h.make_tensor_value_info(n, t, None) for n, t in (("q", zero_type), ("y", P.FLOAT))], opset=13)
    model.graph.initializer.extend([h.make_tensor("scale", P.FLOAT, [3], scale),
                                    h.make_tensor("zero", zero_type, [3], zero)])
    x = (RNG.standard_normal((5, 3, 4)) * 3).astype(np.float32)
    x[0, 0, :2] = [0.01, 0.03]                       # exact .5 steps: round half to even
    _check_against_ort(model, {"x": x})


def test_dynamic_quantize_linear():
    model = make_model([h.make_node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zero"])],
                       _inputs(("x", P.FLOAT, [None, 6])),
                       [h.make_tensor_value_info(n, t, None) for n, t in
                        (("y", P.UINT8), ("scale", P.FLOAT), ("zero", P.UINT8))], opset=11)
    _check_against_ort(model, {"x": RNG.uniform(-2, 5, (4, 6)).astype(np.float32)})


def test_qlinear_matmul():
    names = ["a", "a_scale", "a_zero", "b", "b_scale", "b_zero", "y_scale", "y_zero"]
    model = make_model([h.make_node("QLinearMatMul", names, ["y"])], _inputs(("a", P.UINT8, [None, 4])),
                       [h.make_tensor_value_info("y", P.UINT8, None)], opset=10)
    model.graph.initializer.extend([
        h.make_tensor("a_scale", P.FLOAT, [], [0.05]), h.make_tensor("a_zero", P.UINT8, [], [113]),
        h.make_tensor("b", P.UINT8, [4, 3], RNG.integers(0, 255, 12)), h.make_tensor("b_scale", P.FLOAT, [], [0.02]),
        h.make_tensor("b_zero", P.UINT8, [], [114]), h.make_tensor("y_scale", P.FLOAT, [], [0.2]),
        h.make_tensor("y_zero", P.UINT8, [], [118])])
    _check_against_ort(model, {"a": RNG.integers(0, 255, (3, 4)).astype(np.uint8)})


@pytest.mark.parametrize("attrs", [{}, {"pads": [1, 1, 1, 1], "strides": [2, 2]}, {"auto_pad": "SAME_UPPER"}])
def test_conv_integer_and_qlinear_conv(attrs):
    w = RNG.integers(0, 255, (4, 2, 3, 3)).astype(np.uint8)
    conv_int = h.make_node("ConvInteger", ["x", "w", "x_zero", "w_zero"], ["c"], **attrs)
    qconv = h.make_node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero", "bias"],
                        ["q"], **attrs)
    model = make_model([conv_int, qconv], _inputs(("x", P.UINT8, [None, 2, 6, 6])),
                       [h.make_tensor_value_info("c", P.INT32, None), h.make_tensor_value_info("q", P.UINT8, None)],
                       opset=10)
    model.graph.initializer.extend([
        h.make_tensor("w", P.UINT8, w.shape, w.flatten()), h.make_tensor("x_zero", P.UINT8, [], [120]),
        h.make_tensor("w_zero", P.UINT8, [], [130]), h.make_tensor("x_scale", P.FLOAT, [], [0.01]),
        h.make_tensor("w_scale", P.FLOAT, [4], [0.01, 0.02, 0.005, 0.01]), h.make_tensor("y_scale", P.FLOAT, [], [0.5]),
        h.make_tensor("y_zero", P.UINT8, [], [100]), h.make_tensor("bias", P.INT32, [4], [100, -50, 0, 7])])
    _check_against_ort(model, {"x": RNG.integers(0, 255, (2, 2, 6, 6)).astype(np.uint8)})
