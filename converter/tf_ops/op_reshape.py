"""Reshape: shape is an input since opset 5; 0 copies the input dimension unless allowzero=1 (opset 14)."""
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import tensor_util

from converter.tf_ops._shape_util import dims, stack_dims
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _reshape(data, target, allowzero: bool):
    static = tf.get_static_value(target)
    if static is None:
        static = _single_unknown_as_minus_one(target)
    if static is None:
        target = tf.cast(target, tf.int64)
        if not allowzero:   # copy input dims where the target holds 0
            in_shape = tf.shape(data, out_type=tf.int64)
            missing = tf.size(target, out_type=tf.int64) - tf.size(in_shape, out_type=tf.int64)
            padding = tf.zeros(tf.maximum(missing, 0), tf.int64)
            in_shape = tf.concat([in_shape, padding], 0)[:tf.size(target)]
            target = tf.where(tf.equal(target, 0), in_shape, target)
        return tf.reshape(data, target)
    values = [int(v) for v in static.reshape(-1)]
    if not allowzero:
        in_dims = dims(data)
        values = [in_dims[i] if v == 0 else v for i, v in enumerate(values)]
        values = _resolve_minus_one(data, values)
    return tf.reshape(data, stack_dims(values))


def _single_unknown_as_minus_one(target):
    """A target computed at run time (Shape -> Slice -> Concat, as exporters write `x.view(b, s, h, d)`) whose
    entries are all known positive numbers but one: in any valid reshape that entry equals the element count
    divided by the others, whether it turns out 0 (copy), -1 or the number itself, so -1 is exact. Keeps the
    output shape static and spares the run-time shape arithmetic on every request."""
    try:
        hint = tensor_util.constant_value_as_shape(target).as_list()
    except (ValueError, TypeError):
        return None
    if hint is None or sum(d is None for d in hint) != 1 or any(d is not None and d <= 0 for d in hint):
        return None
    return np.array([-1 if d is None else d for d in hint], np.int64)


def _resolve_minus_one(data, values: list) -> list:
    """When every unknown input dim is copied through a 0 (the usual `x.view(x.size(0), -1)`), the -1 is a
    static number; computing it keeps the output shape static apart from the batch."""
    if sum(1 for v in values if isinstance(v, int) and v == -1) != 1 or data.shape.rank is None:
        return values
    copied_unknown = sum(1 for v in values if not isinstance(v, int))
    input_unknown = sum(1 for d in data.shape.as_list() if d is None)
    if copied_unknown != input_unknown:
        return values
    known_input = 1
    for d in data.shape.as_list():
        known_input *= d if d is not None else 1
    known_target = 1
    for v in values:
        known_target *= v if isinstance(v, int) and v != -1 else 1
    if known_target == 0 or known_input % known_target:
        return values
    return [known_input // known_target if isinstance(v, int) and v == -1 else v for v in values]


@tf_op("Reshape", since=1)
def reshape_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_reshape(node.inputs[0], tf.constant(node.attr("shape"), tf.int64), False)]


@tf_op("Reshape", since=5)
def reshape_5(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_reshape(node.inputs[0], node.inputs[1], bool(node.attr("allowzero", 0)))]
