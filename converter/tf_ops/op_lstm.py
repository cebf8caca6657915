"""LSTM (gates i, o, f, c; optional peepholes P = [Pi, Po, Pf]):
i = f(.. + Pi*C), f = f(.. + Pf*C), c~ = g(..), C = f*C + i*c~, o = f(.. + Po*C_new), H = o*h(C).
input_forget=1 couples the gates: f = 1 - i."""
import tensorflow as tf

from converter.tf_ops._rnn import (activations, assemble_outputs, clipper, initial_state, input_projection,
                                   read_inputs, run_direction)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LSTM", since=7)
def lstm_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    rnn = read_inputs(node)
    w, r, b, peep = node.inputs[1], node.inputs[2], node.input(3), node.input(7)
    hidden, clip = rnn.hidden, clipper(node)
    input_forget = bool(node.attr("input_forget", 0))
    ys, finals = [], []
    for d, (direction, acts) in enumerate(zip(rnn.directions, activations(node, ["Sigmoid", "Tanh", "Tanh"]))):
        f, g, h_act = acts
        p = tf.zeros([3 * hidden], rnn.x.dtype) if peep is None else peep[d]
        p_i, p_o, p_f = p[:hidden], p[hidden:2 * hidden], p[2 * hidden:]
        r_d = r[d]

        def step(states, xw_t, r_d=r_d, p_i=p_i, p_o=p_o, p_f=p_f, f=f, g=g, h_act=h_act):
            h, c = states
            gates = xw_t + tf.linalg.matmul(h, r_d, transpose_b=True)
            i_pre, o_pre = gates[:, :hidden], gates[:, hidden:2 * hidden]
            f_pre, c_pre = gates[:, 2 * hidden:3 * hidden], gates[:, 3 * hidden:]
            i = f(clip(i_pre + p_i * c))
            forget = 1 - i if input_forget else f(clip(f_pre + p_f * c))
            c_new = forget * c + i * g(clip(c_pre))
            o = f(clip(o_pre + p_o * c_new))
            return (o * h_act(c_new), c_new)
        xw = input_projection(rnn, w[d], None if b is None else b[d], gates=4)
        initial = (initial_state(node, 5, rnn, d), initial_state(node, 6, rnn, d))
        y, final = run_direction(step, xw, initial, rnn, direction == "reverse")
        ys.append(y)
        finals.append(final)
    return assemble_outputs(node, ys, finals)
