"""Helpers shared by the elementwise / math / logic handlers.

TF's CPU kernels cover fewer dtypes than ONNX allows (no Abs/Sign/Pow on unsigned ints, no
TruncateMod on 8/16-bit ints or half floats, no Det on half floats); `widened` runs such an op in
a wider dtype that represents every value exactly and casts the result back.
"""
from __future__ import annotations

import tensorflow as tf

UNSIGNED = (tf.uint8, tf.uint16, tf.uint32, tf.uint64)
INTEGERS = UNSIGNED + (tf.int8, tf.int16, tf.int32, tf.int64)
HALF_FLOATS = (tf.float16, tf.bfloat16)

# A dtype whose kernels TF has and that holds every value of the key dtype exactly.
_WIDER = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
          tf.uint32: tf.int64, tf.float16: tf.float32, tf.bfloat16: tf.float32}


def widened(fn, *tensors, when):
    """`fn(*tensors)`, computed in a wider dtype (result cast back) when the inputs' dtype is in `when`."""
    dtype = tensors[0].dtype
    if dtype not in when or dtype not in _WIDER:
        return fn(*tensors)
    return tf.cast(fn(*[tf.cast(t, _WIDER[dtype]) for t in tensors]), dtype)


def scalar_like(value, tensor):
    """A Python number as a constant of `tensor`'s dtype (ONNX float attributes are float32)."""
    return tf.constant(value, dtype=tensor.dtype)


def hard_sigmoid_one_sixth(x):
    """min(max(x + 3, 0), 6) / 6, PyTorch's hardsigmoid and its hardswish's gate (ONNX's HardSigmoid with
    alpha 1/6, beta 0.5): one Relu6 kernel where the clip takes a Minimum and a Maximum, each a full pass."""
    return tf.nn.relu6(x + scalar_like(3, x)) / scalar_like(6, x)


def variadic(fn, tensors):
    """Fold a binary broadcasting op over the inputs of Max/Min/Sum (one input passes through)."""
    result = tensors[0]
    for tensor in tensors[1:]:
        result = fn(result, tensor)
    return result


def legacy_broadcast(node, a, b):
    """Opset < 7 binary ops: with broadcast=1 and an `axis`, B's shape matches A's from `axis` on
    (B gets trailing 1s so numpy broadcasting lines it up); without `axis` it is suffix matching,
    which numpy broadcasting already is. broadcast=0 requires equal shapes."""
    axis = node.attr("axis")
    if not node.attr("broadcast", 0) or axis is None or b.shape.rank is None or a.shape.rank is None:
        return a, b
    axis = axis + a.shape.rank if axis < 0 else axis
    trailing = a.shape.rank - axis - b.shape.rank
    if trailing > 0:
        b = tf.reshape(b, tf.concat([tf.shape(b), tf.ones([trailing], tf.int32)], axis=0))
    return a, b
