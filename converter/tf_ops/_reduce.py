"""Shared logic of the Reduce* ops: axes from an attribute (older opsets) or an input (ReduceSum
since 13, the others since 18), keepdims, noop_with_empty_axes, and axes only known at run time."""
from __future__ import annotations

import tensorflow as tf


def reduce_with(node, reduce_fn, axes_from_input: bool):
    """Apply `reduce_fn(x, axis, keepdims)` with the node's axes semantics.

    `axis=None` means all axes. An empty axes list reduces everything unless noop_with_empty_axes is
    set, in which case the input passes through unchanged (ONNX semantics)."""
    x = node.inputs[0]
    keepdims = bool(node.attr("keepdims", 1))
    noop = bool(node.attr("noop_with_empty_axes", 0))
    if not axes_from_input:
        axes = node.attr("axes")
        return [reduce_fn(x, list(axes) if axes else None, keepdims)]
    axes_tensor = node.input(1)
    if axes_tensor is None:
        return [x if noop else reduce_fn(x, None, keepdims)]
    static = tf.get_static_value(axes_tensor)
    if static is not None:
        axes = [int(a) for a in static.reshape(-1)]
        if not axes:
            return [x if noop else reduce_fn(x, None, keepdims)]
        return [reduce_fn(x, axes, keepdims)]
    # Axes computed at run time: an empty axes tensor must still mean "all" (or "none" with noop).
    axes_tensor = tf.reshape(tf.cast(axes_tensor, tf.int64), [-1])
    is_empty = tf.equal(tf.size(axes_tensor), 0)
    if noop:
        return [tf.cond(is_empty, lambda: tf.identity(x), lambda: reduce_fn(x, axes_tensor, keepdims))]
    all_axes = tf.range(tf.cast(tf.rank(x), tf.int64), dtype=tf.int64)
    axes_tensor = tf.cond(is_empty, lambda: all_axes, lambda: axes_tensor)
    return [reduce_fn(x, axes_tensor, keepdims)]


def reduce_max_fn(x, axis, keepdims):
    if x.dtype == tf.bool:                       # ONNX orders False < True
        return tf.reduce_any(x, axis=axis, keepdims=keepdims)
    return tf.reduce_max(x, axis=axis, keepdims=keepdims)


def reduce_min_fn(x, axis, keepdims):
    if x.dtype == tf.bool:
        return tf.reduce_all(x, axis=axis, keepdims=keepdims)
    return tf.reduce_min(x, axis=axis, keepdims=keepdims)


def reduce_l1_fn(x, axis, keepdims):
    magnitude = x if x.dtype.is_unsigned else tf.abs(x)
    return tf.reduce_sum(magnitude, axis=axis, keepdims=keepdims)


def reduce_l2_fn(x, axis, keepdims):
    squares = tf.reduce_sum(x * x, axis=axis, keepdims=keepdims)
    if squares.dtype.is_floating:
        return tf.sqrt(squares)
    # Integer inputs: ONNX computes sqrt in floating point and casts back.
    return tf.cast(tf.sqrt(tf.cast(squares, tf.float64)), x.dtype)


def reduce_log_sum_fn(x, axis, keepdims):
    return tf.math.log(tf.reduce_sum(x, axis=axis, keepdims=keepdims))


def reduce_log_sum_exp_fn(x, axis, keepdims):
    if x.dtype.is_floating:
        # tf.reduce_logsumexp is stable (subtracts the max) and gives -inf on an empty set.
        return tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims)
    as_float = tf.cast(x, tf.float64)
    return tf.cast(tf.reduce_logsumexp(as_float, axis=axis, keepdims=keepdims), x.dtype)


def reduce_sum_square_fn(x, axis, keepdims):
    return tf.reduce_sum(x * x, axis=axis, keepdims=keepdims)


def reduce_sum_fn(x, axis, keepdims):
    return tf.reduce_sum(x, axis=axis, keepdims=keepdims)


def reduce_mean_fn(x, axis, keepdims):
    return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


def reduce_prod_fn(x, axis, keepdims):
    return tf.reduce_prod(x, axis=axis, keepdims=keepdims)
