"""RNN: H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb); f defaults to Tanh."""
import tensorflow as tf

from converter.tf_ops._rnn import (activations, assemble_outputs, clipper, initial_state, input_projection,
                                   read_inputs, run_direction)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RNN", since=7)
def rnn_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    rnn = read_inputs(node)
    w, r, b = node.inputs[1], node.inputs[2], node.input(3)
    clip = clipper(node)
    ys, finals = [], []
    for d, (direction, (f,)) in enumerate(zip(rnn.directions, activations(node, ["Tanh"]))):
        r_d = r[d]

        def step(states, xw_t, r_d=r_d, f=f):
            return (f(clip(xw_t + tf.linalg.matmul(states[0], r_d, transpose_b=True))),)
        xw = input_projection(rnn, w[d], None if b is None else b[d], gates=1)
        y, final = run_direction(step, xw, (initial_state(node, 5, rnn, d),), rnn, direction == "reverse")
        ys.append(y)
        finals.append(final)
    return assemble_outputs(node, ys, finals)
