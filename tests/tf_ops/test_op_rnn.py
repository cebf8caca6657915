"""LSTM / GRU / RNN translations with unknown batch and sequence length: PyTorch's nn.LSTM and nn.GRU
exported to ONNX and run through converter.backend at two batch sizes against torch, and hand-built
ONNX nodes (sequence_lens, layout=1, peepholes, reverse/bidirectional) traced once with None batch
and time dimensions against onnxruntime."""
from __future__ import annotations

import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import tensorflow as tf
import torch
from onnx import TensorProto, helper, numpy_helper

import converter.backend as backend
from converter.tf_ops.module import OnnxModule

RNG = np.random.default_rng(1)


def export_torch(module, example, dynamic_axes):
    buffer = io.BytesIO()
    torch.onnx.export(module, (example,), buffer, dynamo=False, opset_version=17, input_names=["x"],
                      output_names=["y", "h"] if isinstance(module, torch.nn.GRU) else ["y", "h", "c"],
                      dynamic_axes=dynamic_axes)
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_torch_rnn_export_two_batch_sizes(kind):
    torch.manual_seed(0)
    if kind == "lstm":
        module = torch.nn.LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True)
    else:
        module = torch.nn.GRU(5, 6, num_layers=1, batch_first=False)
    module.eval()
    batch_axis, time_axis = (0, 1) if kind == "lstm" else (1, 0)
    dynamic = {"x": {batch_axis: "batch", time_axis: "time"}, "y": {batch_axis: "batch", time_axis: "time"}}
    shape = [0, 0, 5]
    shape[batch_axis], shape[time_axis] = 2, 4
    model = export_torch(module, torch.randn(*shape), dynamic)
    assert kind.upper() in {n.op_type for n in model.graph.node}
    rep = backend.prepare(model)
    for batch, steps in ((1, 3), (4, 6)):
        shape[batch_axis], shape[time_axis] = batch, steps
        x = torch.randn(*shape)
        with torch.no_grad():
            expected = module(x)
        y, *states = rep.run([x.numpy()])
        np.testing.assert_allclose(y, expected[0].numpy(), rtol=1e-4, atol=1e-5)
        want_states = expected[1] if kind == "lstm" else (expected[1],)
        for got, want in zip(states, want_states):
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def _run_with_none_dims(model, feeds):
    """Trace once with every named (dim_param) dimension as None, then run."""
    module = OnnxModule(model)
    specs = {}
    for value in model.graph.input:
        if value.name in feeds:
            dims = [None if d.dim_param else d.dim_value for d in value.type.tensor_type.shape.dim]
            specs[value.name] = tf.TensorSpec(dims, tf.as_dtype(feeds[value.name].dtype))
    fn = tf.function(lambda f: module.run(f), input_signature=[specs], autograph=False)
    out = fn({k: tf.constant(v) for k, v in feeds.items()})
    return [out[o.name].numpy() for o in model.graph.output]


def _rnn_weights(op, gates, hidden, d, in_size=3):
    weights = {"W": RNG.standard_normal((d, gates * hidden, in_size)).astype(np.float32) * 0.5,
               "R": RNG.standard_normal((d, gates * hidden, hidden)).astype(np.float32) * 0.5,
               "B": RNG.standard_normal((d, 2 * gates * hidden)).astype(np.float32) * 0.5}
    if op == "LSTM":
        weights["P"] = RNG.standard_normal((d, 3 * hidden)).astype(np.float32) * 0.5
    return weights


def _rnn_model(op, weights, hidden, directions, attrs, with_seq_lens, layout):
    d, in_size = len(directions), 3
    names = ["X", "W", "R", "B", "seq" if with_seq_lens else "", "h0"] + (["", "P"] if op == "LSTM" else [])
    x_dims = ["T", "N", in_size] if layout == 0 else ["N", "T", in_size]
    h_dims = [d, "N", hidden] if layout == 0 else ["N", d, hidden]
    graph_inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_dims),
                    helper.make_tensor_value_info("h0", TensorProto.FLOAT, h_dims)]
    if with_seq_lens:
        graph_inputs.append(helper.make_tensor_value_info("seq", TensorProto.INT32, ["N"]))
    node = helper.make_node(op, names, ["Y", "Y_h"], hidden_size=hidden, layout=layout,
                            direction="bidirectional" if d == 2 else directions[0], **attrs)
    graph = helper.make_graph([node], "rnn", graph_inputs,
                              [helper.make_empty_tensor_value_info("Y"), helper.make_empty_tensor_value_info("Y_h")],
                              [numpy_helper.from_array(v, k) for k, v in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("op,gates,directions,attrs,layout", [
    ("LSTM", 4, ["forward", "reverse"], {}, 1),
    ("LSTM", 4, ["reverse"], {"clip": 1.5}, 0),
    ("GRU", 3, ["forward", "reverse"], {"linear_before_reset": 1}, 0),
    ("GRU", 3, ["reverse"], {}, 1),
    ("RNN", 1, ["forward"], {"activations": ["Relu"]}, 0),
])
def test_onnx_rnn_sequence_lens_none_dims(op, gates, directions, attrs, layout):
    """onnxruntime has no batch-first (layout=1) kernels: the reference for layout 1 is the same
    weights in layout 0 with transposed inputs and outputs."""
    hidden = 4
    weights = _rnn_weights(op, gates, hidden, len(directions))
    model = _rnn_model(op, weights, hidden, directions, attrs, with_seq_lens=True, layout=layout)
    time_major = _rnn_model(op, weights, hidden, directions, attrs, with_seq_lens=True, layout=0)
    session = ort.InferenceSession(time_major.SerializeToString(), providers=["CPUExecutionProvider"])
    for batch, steps in ((2, 5), (3, 2)):
        x_shape = (steps, batch, 3) if layout == 0 else (batch, steps, 3)
        h_shape = (len(directions), batch, hidden) if layout == 0 else (batch, len(directions), hidden)
        feeds = {"X": RNG.standard_normal(x_shape).astype(np.float32),
                 "h0": RNG.standard_normal(h_shape).astype(np.float32),
                 "seq": RNG.integers(1, steps + 1, batch).astype(np.int32)}
        if layout == 0:
            expected = session.run(None, feeds)
        else:
            y, y_h = session.run(None, {**feeds, "X": feeds["X"].transpose(1, 0, 2), "h0": feeds["h0"].transpose(1, 0, 2)})
            expected = [y.transpose(2, 0, 1, 3), y_h.transpose(1, 0, 2)]
        actual = _run_with_none_dims(model, feeds)
        for got, want in zip(actual, expected):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
