"""Machinery shared by RNN, GRU and LSTM: layouts, directions, sequence_lens, activations, and
the time loop (tf.scan, so batch size and sequence length may both be unknown until run time).

Shapes (layout 0): X [seq, batch, input]; W [dirs, gates*hidden, input]; R [dirs, gates*hidden,
hidden]; B [dirs, 2*gates*hidden]; initial states [dirs, batch, hidden]; Y [seq, dirs, batch,
hidden]. Layout 1 puts batch first: X [batch, seq, input], states [batch, dirs, hidden],
Y [batch, seq, dirs, hidden].
"""
from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from converter.errors import OpTranslationError

# name -> (function(x, alpha, beta), default alpha, default beta)
_ACTIVATIONS = {
    "relu": (lambda x, a, b: tf.nn.relu(x), None, None),
    "tanh": (lambda x, a, b: tf.tanh(x), None, None),
    "sigmoid": (lambda x, a, b: tf.sigmoid(x), None, None),
    "affine": (lambda x, a, b: a * x + b, 1.0, 0.0),
    "leakyrelu": (lambda x, a, b: tf.where(x >= 0, x, a * x), 0.01, None),
    "thresholdedrelu": (lambda x, a, b: tf.where(x > a, x, tf.zeros_like(x)), 1.0, None),
    "scaledtanh": (lambda x, a, b: a * tf.tanh(b * x), 1.0, 1.0),
    "hardsigmoid": (lambda x, a, b: tf.clip_by_value(a * x + b, 0.0, 1.0), 0.2, 0.5),
    "elu": (lambda x, a, b: tf.where(x >= 0, x, a * (tf.exp(x) - 1)), 1.0, None),
    "softsign": (lambda x, a, b: x / (1 + tf.abs(x)), None, None),
    "softplus": (lambda x, a, b: tf.math.softplus(x), None, None),
}


@dataclass
class RnnInputs:
    x: tf.Tensor                      # [seq, batch, input]
    seq_lens: tf.Tensor | None        # [batch] int32, or None when every sequence is full length
    directions: list[str]             # ["forward"], ["reverse"] or ["forward", "reverse"]
    hidden: int


def read_inputs(node) -> RnnInputs:
    x = node.inputs[0]
    if node.attr("layout", 0):
        x = tf.transpose(x, [1, 0, 2])
    direction = node.attr("direction", "forward")
    directions = {"forward": ["forward"], "reverse": ["reverse"],
                  "bidirectional": ["forward", "reverse"]}.get(direction)
    if directions is None:
        raise OpTranslationError(f"{node.describe()}: direction={direction!r} is not forward/reverse/bidirectional")
    hidden = node.attr("hidden_size")
    if hidden is None:
        hidden = node.inputs[2].shape[-1]
    seq_lens = node.input(4)
    return RnnInputs(x, None if seq_lens is None else tf.cast(seq_lens, tf.int32), directions, int(hidden))


def initial_state(node, index: int, rnn: RnnInputs, direction: int):
    """Initial state input `index` for one direction as [batch, hidden] (zeros when omitted)."""
    state = node.input(index)
    if state is None:
        return tf.zeros(tf.stack([tf.shape(rnn.x)[1], rnn.hidden]), rnn.x.dtype)
    if node.attr("layout", 0):
        state = tf.transpose(state, [1, 0, 2])
    return state[direction]


def activations(node, defaults: list[str]):
    """The node's activation functions, one list of callables per direction."""
    directions = 2 if node.attr("direction", "forward") == "bidirectional" else 1
    names = node.attr("activations") or defaults * directions
    alphas, betas = list(node.attr("activation_alpha") or []), list(node.attr("activation_beta") or [])
    positional = len(alphas) == len(names) or len(betas) == len(names)
    functions = []
    for i, name in enumerate(names):
        entry = _ACTIVATIONS.get(name.lower())
        if entry is None:
            raise OpTranslationError(f"{node.describe()}: activation {name!r} is not supported")
        fn, alpha, beta = entry
        if positional:
            alpha = alphas[i] if i < len(alphas) else alpha
            beta = betas[i] if i < len(betas) else beta
        else:
            alpha = alphas.pop(0) if alpha is not None and alphas else alpha
            beta = betas.pop(0) if beta is not None and betas else beta
        functions.append(lambda x, fn=fn, a=alpha, b=beta: fn(x, a, b))
    per_direction = len(defaults)
    return [functions[i:i + per_direction] for i in range(0, len(functions), per_direction)]


def clipper(node):
    clip = node.attr("clip")
    if clip is None:
        return lambda x: x
    return lambda x: tf.clip_by_value(x, -clip, clip)


def run_direction(step, xw, initial: tuple, rnn: RnnInputs, reverse: bool):
    """Loop `step(states, xw_t) -> states` over time. `xw` is [seq, batch, gates*hidden] (the input
    projection, computed for all steps at once). Returns (Y [seq, batch, hidden], final states)."""
    if reverse:
        xw = _reverse_time(xw, rnn.seq_lens)
    if rnn.seq_lens is None:
        def body(carry, xw_t):
            states = step(carry[:-1], xw_t)
            return (*states, states[0])
        elems = xw
    else:
        # Steps at or past a sequence's length keep the state and output zeros.
        steps = tf.range(tf.shape(xw)[0])
        valid = steps[:, None] < rnn.seq_lens[None, :]                      # [seq, batch]

        def body(carry, inputs):
            xw_t, valid_t = inputs
            previous = carry[:-1]
            states = step(previous, xw_t)
            keep = valid_t[:, None]
            states = tuple(tf.where(keep, new, old) for new, old in zip(states, previous))
            return (*states, tf.where(keep, states[0], tf.zeros_like(states[0])))
        elems = (xw, valid)
    outputs = tf.scan(body, elems, initializer=(*initial, tf.zeros_like(initial[0])))
    y = outputs[-1]
    # Masked steps carried the state forward, so the last step holds each sequence's final state.
    finals = tuple(o[-1] for o in outputs[:-1])
    if reverse:
        y = _reverse_time(y, rnn.seq_lens)
    return y, finals


def _reverse_time(values, seq_lens):
    if seq_lens is None:
        return tf.reverse(values, [0])
    return tf.reverse_sequence(values, seq_lens, seq_axis=0, batch_axis=1)


def assemble_outputs(node, ys: list, finals: list[tuple]):
    """Stack directions into Y [seq, dirs, batch, hidden] and Y_h (, Y_c) [dirs, batch, hidden],
    transposed to batch-first when layout is 1."""
    y = tf.stack(ys, axis=1)
    states = [tf.stack([f[i] for f in finals], axis=0) for i in range(len(finals[0]))]
    if node.attr("layout", 0):
        y = tf.transpose(y, [2, 0, 1, 3])
        states = [tf.transpose(s, [1, 0, 2]) for s in states]
    return [y, *states]


def input_projection(rnn: RnnInputs, w, b, gates: int):
    """X @ W^T (+ Wb + Rb) for every time step at once: [seq, batch, gates*hidden]."""
    xw = tf.linalg.matmul(rnn.x, w, transpose_b=True)
    if b is not None:
        xw = xw + b[: gates * rnn.hidden] + b[gates * rnn.hidden:]
    return xw
