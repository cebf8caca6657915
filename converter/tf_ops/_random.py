"""Random draws for the Random*/Bernoulli/Multinomial/Dropout handlers.

With an ONNX `seed` the draw is a stateless TF op seeded from it (repeatable run to run, though not
the same numbers as another runtime); without one it is TF's stateful random op."""
from __future__ import annotations

import tensorflow as tf


def _seed_pair(seed):
    return tf.constant([int(seed), 0], tf.int64)


def _float_draw(stateful, stateless, shape, dtype, a, b, seed):
    """Draw in a float dtype TF's random kernels take, then cast to `dtype`."""
    compute = dtype if dtype in (tf.float32, tf.float64, tf.float16, tf.bfloat16) else tf.float32
    if seed is None:
        values = stateful(shape, a, b, dtype=compute)
    else:
        values = stateless(shape, _seed_pair(seed), a, b, dtype=compute)
    return tf.cast(values, dtype)


def uniform(shape, dtype, low=0.0, high=1.0, seed=None):
    return _float_draw(tf.random.uniform, tf.random.stateless_uniform, shape, dtype, low, high, seed)


def normal(shape, dtype, mean=0.0, scale=1.0, seed=None):
    return _float_draw(tf.random.normal, tf.random.stateless_normal, shape, dtype, mean, scale, seed)


def categorical(logits, samples, dtype, seed=None):
    if seed is None:
        return tf.random.categorical(logits, samples, dtype=dtype)
    return tf.random.stateless_categorical(logits, samples, _seed_pair(seed), dtype=dtype)
