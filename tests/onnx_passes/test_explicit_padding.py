"""ExplicitPaddingPass against PyTorch: a grid of kernel/stride/pad/dilation/ceil_mode cases in 1-D, 2-D
and 3-D. Each case runs the single-op ONNX model before and after the pass in onnxruntime and the
rewritten one through our TF translation; all must equal torch.nn.functional's numbers."""
from __future__ import annotations

import numpy as np
import onnx
import onnx_ir as ir
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

from converter.backend import prepare
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass

RNG = np.random.default_rng(0)


def _model(op, x_shape, attrs, weight=None):
    inputs = [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x_shape)]
    initializers = [] if weight is None else [numpy_helper.from_array(weight, "w")]
    node = helper.make_node(op, ["x"] + (["w"] if weight is not None else []), ["y"], **attrs)
    graph = helper.make_graph([node], "g", inputs, [helper.make_empty_tensor_value_info("y")], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], ir_version=9)
    return onnx.shape_inference.infer_shapes(model)


def _run_ort(model, x):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def _apply_pass(model):
    ir_model = ir.serde.deserialize_model(model)
    result = ExplicitPaddingPass()(ir_model)
    return ir.serde.serialize_model(result.model), result.modified


def _check(model, x, expected, expect_ops=None):
    before = _run_ort(model, x)
    rewritten, _ = _apply_pass(model)
    after = _run_ort(rewritten, x)
    translated = prepare(rewritten).run([x])[0]
    np.testing.assert_allclose(before, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(translated, expected, rtol=1e-4, atol=1e-5)
    ops = [n.op_type for n in rewritten.graph.node]
    if expect_ops is not None:
        assert ops == expect_ops
    return rewritten


def _torch_pads(pads, rank):
    """ONNX pads [b..., e...] -> symmetric torch padding (the grid only uses symmetric torch cases)."""
    assert pads[:rank] == pads[rank:]
    return tuple(pads[:rank])


CONV_CASES = [  # (rank, size, kernel, stride, pads (symmetric), dilation)
    (1, 9, 3, 1, 1, 1), (1, 10, 4, 2, 1, 1), (1, 11, 3, 2, 2, 2),
    (2, 8, 3, 1, 1, 1), (2, 9, 3, 2, 1, 1), (2, 8, 2, 2, 0, 1), (2, 10, 5, 3, 2, 1), (2, 9, 3, 1, 2, 2),
    (2, 7, 3, 2, 1, 2),
    (3, 6, 3, 1, 1, 1), (3, 7, 3, 2, 1, 1), (3, 6, 2, 1, 1, 2),
]


@pytest.mark.parametrize("rank,size,k,s,p,d", CONV_CASES)
def test_conv_matches_torch(rank, size, k, s, p, d):
    x = RNG.standard_normal((2, 3, *[size] * rank)).astype(np.float32)
    w = RNG.standard_normal((4, 3, *[k] * rank)).astype(np.float32)
    attrs = dict(kernel_shape=[k] * rank, strides=[s] * rank, pads=[p] * 2 * rank, dilations=[d] * rank)
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
    expected = conv(torch.from_numpy(x), torch.from_numpy(w), stride=s, padding=p, dilation=d).numpy()
    _check(_model("Conv", x.shape, attrs, w), x, expected)


def test_conv_same_pads_become_tf_same_and_zero_pads_valid():
    x = RNG.standard_normal((1, 2, 8, 8)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    same = _check(_model("Conv", x.shape, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]), w), x,
                  F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy(), ["Conv"])
    assert _auto_pad(same) == "SAME_UPPER"
    valid = _check(_model("Conv", x.shape, dict(kernel_shape=[3, 3], pads=[0, 0, 0, 0]), w), x,
                   F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy(), ["Conv"])
    assert _auto_pad(valid) == "VALID"


def _auto_pad(model):
    return next(a.s.decode() for a in model.graph.node[-1].attribute if a.name == "auto_pad")


def test_asymmetric_conv_pads_become_explicit_pad():
    x = RNG.standard_normal((1, 2, 7, 7)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    expected = F.conv2d(F.pad(torch.from_numpy(x), (2, 0, 1, 0)), torch.from_numpy(w), stride=2).numpy()
    _check(_model("Conv", x.shape, dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 2, 0, 0]), w), x,
           expected, ["Pad", "Conv"])


POOL_CASES = [  # (rank, size, kernel, stride, pad, dilation, ceil_mode)
    (1, 9, 3, 2, 1, 1, False), (1, 10, 3, 2, 1, 1, True), (1, 11, 2, 3, 1, 2, True),
    (2, 8, 3, 2, 1, 1, False), (2, 9, 3, 2, 1, 1, True), (2, 8, 2, 2, 0, 1, True), (2, 7, 3, 2, 0, 1, True),
    (2, 10, 3, 3, 1, 2, False), (2, 9, 2, 2, 1, 1, True), (2, 6, 3, 1, 1, 1, False), (2, 9, 2, 2, 0, 1, True),
    (3, 7, 3, 2, 1, 1, True), (3, 6, 2, 2, 1, 1, False),
]


@pytest.mark.parametrize("rank,size,k,s,p,d,ceil", POOL_CASES)
def test_max_pool_matches_torch(rank, size, k, s, p, d, ceil):
    x = RNG.standard_normal((2, 3, *[size] * rank)).astype(np.float32)
    attrs = dict(kernel_shape=[k] * rank, strides=[s] * rank, pads=[p] * 2 * rank, dilations=[d] * rank,
                 ceil_mode=int(ceil))
    pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[rank]
    expected = pool(torch.from_numpy(x), k, s, p, d, ceil_mode=ceil).numpy()
    _check(_model("MaxPool", x.shape, attrs), x, expected)


@pytest.mark.parametrize("rank,size,k,s,p,d,ceil", [c for c in POOL_CASES if c[5] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_average_pool_matches_torch(rank, size, k, s, p, d, ceil, count_include_pad):
    x = RNG.standard_normal((2, 3, *[size] * rank)).astype(np.float32)
    attrs = dict(kernel_shape=[k] * rank, strides=[s] * rank, pads=[p] * 2 * rank, ceil_mode=int(ceil),
                 count_include_pad=int(count_include_pad))
    pool = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[rank]
    expected = pool(torch.from_numpy(x), k, s, p, ceil_mode=ceil, count_include_pad=count_include_pad).numpy()
    _check(_model("AveragePool", x.shape, attrs), x, expected)


@pytest.mark.parametrize("pads,ceil,extra", [([1, 0, 0, 1], 0, 0), ([0, 0, 0, 0], 1, 1), ([1, 1, 1, 1], 0, 0)])
def test_lp_pool_matches_onnxruntime_and_numpy(pads, ceil, extra):
    x = RNG.standard_normal((1, 2, 8, 8)).astype(np.float32)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], pads=pads, p=2, ceil_mode=ceil)
    model = _model("LpPool", x.shape, attrs)
    padded = np.pad(x, [(0, 0), (0, 0), (pads[0], pads[2] + extra), (pads[1], pads[3] + extra)])
    size = (padded.shape[2] - 3) // 2 + 1
    expected = np.zeros((1, 2, size, size), np.float32)
    for i in range(size):
        for j in range(size):
            window = padded[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            expected[:, :, i, j] = np.sqrt((window ** 2).sum(axis=(2, 3)))
    _check(model, x, expected)


def test_pass_reports_nothing_to_do_twice():
    x = RNG.standard_normal((1, 2, 8, 8)).astype(np.float32)
    model = _model("LpPool", x.shape, dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 0, 0, 1]))
    once, modified = _apply_pass(model)
    assert modified
    _, modified_again = _apply_pass(once)
    assert not modified_again


DEPTHWISE_CASES = [  # (size, kernel, stride, pads (symmetric), kernel after the pass or None: a Pad node)
    (8, 3, 2, 1, 4), (10, 5, 2, 2, 6), (12, 7, 2, 3, 8),    # MobileNet/EfficientNet's stride-2 layers
    (9, 3, 2, 1, 3), (11, 5, 2, 2, 5),                       # odd sizes: these pads are TF's SAME already
    (9, 3, 3, 1, None),                                      # would need 5x5: more than twice the taps
    (8, 3, 1, 2, None),                                      # output longer than SAME's: no taps align it
]


@pytest.mark.parametrize("size,k,s,p,grown", DEPTHWISE_CASES)
def test_depthwise_conv_pads_become_zero_taps_or_pad(size, k, s, p, grown):
    """Where SAME over a kernel grown by zero taps reads what ONNX's pads read, the pass grows the kernel
    (no Pad node); elsewhere it pads explicitly. Either way the numbers are PyTorch's."""
    channels = 6
    x = RNG.standard_normal((2, channels, size, size)).astype(np.float32)
    w = RNG.standard_normal((channels, 1, k, k)).astype(np.float32)
    attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=[p] * 4, group=channels)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=s, padding=p, groups=channels).numpy()
    rewritten = _check(_model("Conv", x.shape, attrs, w), x, expected,
                       expect_ops=["Conv"] if grown else ["Pad", "Conv"])
    conv = rewritten.graph.node[-1]
    kernel = numpy_helper.to_array(next(t for t in rewritten.graph.initializer if t.name == conv.input[1]))
    assert kernel.shape == (channels, 1, grown or k, grown or k)
    assert np.count_nonzero(kernel) == np.count_nonzero(w)       # only zero taps were added


def test_dense_conv_keeps_the_pad():
    """Zero taps would cost a dense conv real FLOPs: its stride-2 pads stay an explicit Pad."""
    x = RNG.standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = RNG.standard_normal((5, 4, 3, 3)).astype(np.float32)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1).numpy()
    _check(_model("Conv", x.shape, attrs, w), x, expected, expect_ops=["Pad", "Conv"])
