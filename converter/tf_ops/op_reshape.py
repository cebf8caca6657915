"""Reshape: shape is an input since opset 5; 0 copies the input dimension unless allowzero=1 (opset 14)."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, stack_dims
from converter.tf_ops.registry import tf_op


def _reshape(data, target, allowzero: bool):
    static = tf.get_static_value(target)
    if static is None:
        target = tf.cast(target, tf.int64)
        if not allowzero:   # copy input dims where the target holds 0
            in_shape = tf.shape(data, out_type=tf.int64)
            padding = tf.zeros(tf.maximum(tf.size(target, out_type=tf.int64) - tf.size(in_shape, out_type=tf.int64), 0), tf.int64)
            in_shape = tf.concat([in_shape, padding], 0)[:tf.size(target)]
            target = tf.where(tf.equal(target, 0), in_shape, target)
        return tf.reshape(data, target)
    values = [int(v) for v in static.reshape(-1)]
    if not allowzero:
        in_dims = dims(data)
        values = [in_dims[i] if v == 0 else v for i, v in enumerate(values)]
    return tf.reshape(data, stack_dims(values))


@tf_op("Reshape", since=1)
def reshape_1(ctx, node):
    return [_reshape(node.inputs[0], tf.constant(node.attr("shape"), tf.int64), False)]


@tf_op("Reshape", since=5)
def reshape_5(ctx, node):
    return [_reshape(node.inputs[0], node.inputs[1], bool(node.attr("allowzero", 0)))]
