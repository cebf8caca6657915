"""GRU (gates z, r, h): z = f(..), r = f(..), candidate = g(X W_h^T + (r * H) R_h^T + Rb_h + Wb_h),
or with linear_before_reset g(X W_h^T + r * (H R_h^T + Rb_h) + Wb_h); H = (1 - z) * cand + z * H."""
import tensorflow as tf

from converter.tf_ops._rnn import (activations, assemble_outputs, clipper, initial_state, read_inputs,
                                   run_direction)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GRU", since=7)
def gru_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    rnn = read_inputs(node)
    w, r, b = node.inputs[1], node.inputs[2], node.input(3)
    hidden, clip = rnn.hidden, clipper(node)
    linear_before_reset = bool(node.attr("linear_before_reset", 0))
    ys, finals = [], []
    for d, (direction, (f, g)) in enumerate(zip(rnn.directions, activations(node, ["Sigmoid", "Tanh"]))):
        xw = tf.linalg.matmul(rnn.x, w[d], transpose_b=True)        # [seq, batch, 3*hidden]
        if b is None:
            rb = tf.zeros([3 * hidden], rnn.x.dtype)
        else:
            xw = xw + b[d][:3 * hidden]
            rb = b[d][3 * hidden:]
        r_zr, r_h = r[d][:2 * hidden], r[d][2 * hidden:]
        rb_zr, rb_h = rb[:2 * hidden], rb[2 * hidden:]

        def step(states, xw_t, r_zr=r_zr, r_h=r_h, rb_zr=rb_zr, rb_h=rb_h, f=f, g=g):
            h = states[0]
            zr = f(clip(xw_t[:, :2 * hidden] + tf.linalg.matmul(h, r_zr, transpose_b=True) + rb_zr))
            z, reset = zr[:, :hidden], zr[:, hidden:]
            if linear_before_reset:
                recurrent = reset * (tf.linalg.matmul(h, r_h, transpose_b=True) + rb_h)
            else:
                recurrent = tf.linalg.matmul(reset * h, r_h, transpose_b=True) + rb_h
            candidate = g(clip(xw_t[:, 2 * hidden:] + recurrent))
            return ((1 - z) * candidate + z * h,)
        y, final = run_direction(step, xw, (initial_state(node, 5, rnn, d),), rnn, direction == "reverse")
        ys.append(y)
        finals.append(final)
    return assemble_outputs(node, ys, finals)
