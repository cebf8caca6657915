"""Einsum: tf.einsum takes the same equation language (explicit/implicit output, ellipsis,
repeated labels for diagonals). Integer types without a TF kernel are computed in a wider type."""
import tensorflow as tf

from converter.tf_ops._matmul import compute_dtype
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Einsum", since=12)
def einsum_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    equation = node.attr("equation").replace(" ", "")
    out_dtype = node.inputs[0].dtype
    work = compute_dtype(out_dtype)
    operands = [tf.cast(x, work) for x in node.inputs]
    result = tf.einsum(equation, *operands)
    return [tf.cast(result, out_dtype) if work != out_dtype else result]
