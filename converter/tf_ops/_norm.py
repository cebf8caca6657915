"""Helpers shared by the normalization ops."""
from __future__ import annotations

import tensorflow as tf

_LOW_PRECISION = (tf.float16, tf.bfloat16)


def per_channel(param, rank: int):
    """A [C] parameter shaped [C, 1, ..., 1] to broadcast over [N, C, spatial...]."""
    return tf.reshape(param, [-1] + [1] * (rank - 2))


def stash_dtype(dtype: tf.DType, stash_type: int) -> tf.DType:
    """Precision of the statistics: stash_type 1 (FLOAT) lifts float16/bfloat16 to float32; wider
    inputs keep their own precision (as onnx's reference does)."""
    if stash_type == 1 and dtype in _LOW_PRECISION:
        return tf.float32
    return dtype


def standardize(x, axes, epsilon: float):
    """(x - mean) / sqrt(var + epsilon) over `axes`, plus the mean and 1/std (keepdims)."""
    # Square of the centred values, not tf.nn.moments' SquaredDifference: grappler fuses that pattern into
    # oneDNN's _MklLayerNorm, which loses up to 6e-4 on inputs of mean 5 (one-pass variance, measured).
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    centered = x - mean
    variance = tf.reduce_mean(tf.square(centered), axis=axes, keepdims=True)
    inv_std = tf.math.rsqrt(variance + tf.cast(epsilon, x.dtype))
    return centered * inv_std, mean, inv_std
