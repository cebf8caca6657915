"""Shared by DFT and STFT: ONNX's [..., 1 | 2] real/imaginary layout to and from TF complex tensors.
Transforms run in complex128 whatever the input type: exact-zero bins come out as ~1e-16, where
numpy's float32 FFT (the ONNX reference data) leaves ~2e-7 of round-off."""
import tensorflow as tf


def to_complex(x):
    """[..., 1] (real) or [..., 2] (real, imaginary) -> complex without the last axis."""
    values = tf.cast(x, tf.float64)
    if x.shape[-1] == 1:
        return tf.complex(values[..., 0], tf.zeros_like(values[..., 0]))
    return tf.complex(values[..., 0], values[..., 1])


def from_complex(values, dtype):
    """complex -> [..., 2] (real, imaginary) in `dtype`."""
    return tf.cast(tf.stack([tf.math.real(values), tf.math.imag(values)], axis=-1), dtype)


def fit_length(values, length):
    """Zero-pad or truncate the last axis to `length` (numpy.fft's `n`; an int or a scalar tensor)."""
    current = values.shape[-1]
    if isinstance(length, int) and current is not None and current >= length:
        return values[..., :length]
    values = values[..., :length]
    missing = tf.maximum(tf.cast(length, tf.int32) - tf.shape(values)[-1], 0)
    padding = tf.concat([tf.zeros([values.shape.rank - 1, 2], tf.int32), [[0, missing]]], axis=0)
    return tf.pad(values, padding)
