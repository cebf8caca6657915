"""Conv/pool translations in graph mode with an unknown batch dimension (as in the SavedModel
signature), compared with PyTorch at two batch sizes from one traced function."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import tensorflow as tf
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

from converter.tf_ops.module import OnnxModule

RNG = np.random.default_rng(0)


def _traced(node, x_shape, weights=()):
    inits = [numpy_helper.from_array(w, name) for name, w in weights]
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x_shape)],
                              [helper.make_empty_tensor_value_info(o) for o in node.output if o], inits)
    module = OnnxModule(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)]))
    spec = tf.TensorSpec([None, *x_shape[1:]], tf.float32)
    function = tf.function(lambda x: module.run({"x": x}), input_signature=[spec], autograph=False)
    return lambda x: {k: v.numpy() for k, v in function(tf.constant(x)).items()}


CASES = [
    ("conv_asymmetric_stride", dict(op="Conv", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
     lambda x, w: F.conv2d(x, w, stride=2, padding=1)),
    ("conv_same_lower", dict(op="Conv", kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
     lambda x, w: F.conv2d(F.pad(x, (1, 0, 1, 0)), w)),
    ("conv_transpose", dict(op="ConvTranspose", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                            output_padding=[1, 1]),
     lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)),
    ("max_pool_ceil", dict(op="MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
     lambda x, w: F.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("avg_pool_exclude_pad", dict(op="AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                  ceil_mode=1, count_include_pad=0),
     lambda x, w: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
]


@pytest.mark.parametrize("name,attrs,reference", CASES, ids=[c[0] for c in CASES])
def test_unknown_batch_matches_torch(name, attrs, reference):
    attrs = dict(attrs)
    op = attrs.pop("op")
    weight = RNG.standard_normal((4, 4, 3, 3) if op == "ConvTranspose" else (5, 4) + tuple(attrs["kernel_shape"]))
    weight = weight.astype(np.float32)
    uses_weight = op.startswith("Conv")
    node = helper.make_node(op, ["x", "w"] if uses_weight else ["x"], ["y"], **attrs)
    run = _traced(node, [2, 4, 9, 9], [("w", weight)] if uses_weight else [])
    for batch in (1, 3):
        x = RNG.standard_normal((batch, 4, 9, 9)).astype(np.float32)
        expected = reference(torch.from_numpy(x), torch.from_numpy(weight)).numpy()
        np.testing.assert_allclose(run(x)["y"], expected, rtol=1e-4, atol=1e-5)


def test_max_pool_indices_with_unknown_batch_match_torch():
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0])
    run = _traced(node, [2, 3, 7, 7])
    x = RNG.standard_normal((2, 3, 7, 7)).astype(np.float32)
    values, indices = F.max_pool2d(F.pad(torch.from_numpy(x), (1, 0, 1, 0), value=-np.inf), 2, 2,
                                   return_indices=True)
    # torch indexes the padded 8x8 plane; ONNX indexes the input's 7x7 plane, counting batch and channel
    rows, cols = indices.numpy() // 8 - 1, indices.numpy() % 8 - 1
    plane = np.arange(2 * 3).reshape(2, 3, 1, 1) * 49
    out = run(x)
    np.testing.assert_allclose(out["y"], values.numpy())
    np.testing.assert_array_equal(out["i"], plane + rows * 7 + cols)
