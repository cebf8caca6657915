"""Div: integer division truncates toward zero in ONNX (C semantics), TF's `/` floors or goes
through floats, so integers use TruncateDiv. Versions 13 and 14 only add types."""
import tensorflow as tf

from converter.tf_ops._elementwise import INTEGERS
from converter.tf_ops.registry import tf_op


@tf_op("Div", since=7)
def div_7(ctx, node):
    a, b = node.inputs[0], node.inputs[1]
    if a.dtype in INTEGERS:
        return [tf.truncatediv(a, b)]
    return [tf.math.divide(a, b)]
