"""Shape helpers for the tensor-manipulation handlers: static dimensions where known, tf.shape otherwise."""
from __future__ import annotations

import tensorflow as tf


def dims(tensor) -> list:
    """Each dimension as a Python int when static, else a scalar int64 tensor (keeps None batches working)."""
    static = tensor.shape.as_list()
    dynamic = tf.shape(tensor, out_type=tf.int64)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def stack_dims(values: list):
    """A 1-D int64 shape tensor from ints and scalar tensors (tf.stack keeps the static parts visible)."""
    if all(isinstance(v, int) for v in values):
        return tf.constant(values, tf.int64)
    return tf.stack([tf.cast(v, tf.int64) for v in values])


def product(values: list):
    result = 1
    for v in values:
        result = result * v
    return result


def positive_indices(indices, dim_size):
    """ONNX index tensors may count from the end; TF gathers do not."""
    indices = tf.convert_to_tensor(indices)
    if indices.dtype.is_unsigned:
        return indices
    size = tf.cast(dim_size, indices.dtype)
    return tf.where(indices < 0, indices + size, indices)
