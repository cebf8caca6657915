"""Gemm: Y = alpha * A' @ B' + beta * C, C unidirectionally broadcast (optional since opset 11).
The `broadcast` attribute of opsets < 7 only permitted what broadcasting computes anyway."""
import tensorflow as tf

from converter.tf_ops._matmul import compute_dtype
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Gemm", since=1)
def gemm_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a, b, c = node.inputs[0], node.inputs[1], node.input(2)
    out_dtype = a.dtype
    work = compute_dtype(out_dtype)
    a, b = tf.cast(a, work), tf.cast(b, work)
    y = tf.linalg.matmul(a, b, transpose_a=bool(node.attr("transA", 0)), transpose_b=bool(node.attr("transB", 0)))
    alpha, beta = node.attr("alpha", 1.0), node.attr("beta", 1.0)
    if alpha != 1.0:
        y = y * tf.cast(alpha, work)
    if c is not None:
        c = tf.cast(c, work)
        if c.shape.rank == 2 and c.shape[0] == 1:
            # A [1, N] bias trips TF's MatMul+Add fusion ("bias must be 1-dimensional"); [N] is equivalent.
            c = tf.reshape(c, [-1])
        y = y + (c if beta == 1.0 else c * tf.cast(beta, work))
    return [tf.cast(y, out_dtype) if work != out_dtype else y]
