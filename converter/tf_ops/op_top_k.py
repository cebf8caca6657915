"""TopK: k attribute (< 10), k input (>= 10), largest/sorted (>= 11). Ties keep the lower index first,
as tf.math.top_k does. Smallest-k runs top_k on an order-reversing map of the values."""
import tensorflow as tf

from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _order_key(values, largest: bool):
    """A tensor top_k supports whose descending order is the wanted order of `values`."""
    dtype = values.dtype
    if dtype in (tf.uint32, tf.uint64, tf.uint16):            # no top_k kernel: flip the sign bit to signed
        signed = {tf.uint16: tf.int16, tf.uint32: tf.int32, tf.uint64: tf.int64}[dtype]
        bits = dtype.size * 8
        values = tf.bitcast(tf.bitwise.bitwise_xor(values, tf.constant(1 << (bits - 1), dtype)), signed)
        dtype = signed
    if largest:
        return values
    if dtype.is_integer:
        return tf.bitwise.invert(values)                      # -x - 1: reverses order without overflow
    return -values


def _top_k(node, k):
    data = node.inputs[0]
    rank = data.shape.rank
    axis = normalize_axis(node.attr("axis", -1), rank)
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    moved = tf.transpose(data, perm) if axis != rank - 1 else data
    _, indices = tf.math.top_k(_order_key(moved, bool(node.attr("largest", 1))), k=tf.cast(tf.reshape(k, []), tf.int32))
    values = tf.gather(moved, indices, batch_dims=rank - 1)
    indices = tf.cast(indices, tf.int64)
    if axis != rank - 1:
        values, indices = tf.transpose(values, perm), tf.transpose(indices, perm)
    return [values, indices]


@tf_op("TopK", since=1)
def top_k_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return _top_k(node, node.attr("k"))


@tf_op("TopK", since=10)
def top_k_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return _top_k(node, node.inputs[1])
