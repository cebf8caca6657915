"""MatMulInteger: (A - a_zero_point) @ (B - b_zero_point) in int32. A 1-D a_zero_point holds one
zero point per row of A; a 1-D b_zero_point one per column of B."""
import tensorflow as tf

from converter.tf_ops._matmul import numpy_matmul
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MatMulInteger", since=10)
def mat_mul_integer_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a = tf.cast(node.inputs[0], tf.int32)
    b = tf.cast(node.inputs[1], tf.int32)
    a_zero, b_zero = node.input(2), node.input(3)
    if a_zero is not None:
        a_zero = tf.cast(a_zero, tf.int32)
        if a_zero.shape.rank == 1:
            a_zero = tf.expand_dims(a_zero, -1)      # per row of A: broadcast along K
        a = a - a_zero
    if b_zero is not None:
        b = b - tf.cast(b_zero, tf.int32)           # per column of B broadcasts along the last axis
    return [numpy_matmul(a, b)]
