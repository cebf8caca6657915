"""QLinearMatMul: quantized matmul. Integer products are summed exactly in float64 (TF has no CPU
int32 matmul), then rescaled by a_scale * b_scale / y_scale, rounded half to even, shifted by the
output zero point and saturated. Scales/zero points may be scalars or per-row (a) / per-column (b)
vectors. Version 21 only added float8/float16 types."""
import tensorflow as tf

from converter.tf_ops._quantization import INTEGER_RANGES
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("QLinearMatMul", since=10)
def qlinear_mat_mul_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a, a_scale, a_zero, b, b_scale, b_zero, y_scale, y_zero = (node.input(i) for i in range(8))
    product = tf.matmul(_centered(a, a_zero, row_vector=True), _centered(b, b_zero, row_vector=False))
    multiplier = (_as_rows(a_scale) * _as_columns(b_scale)) / tf.cast(y_scale, tf.float64)
    values = tf.math.round(product * multiplier)
    out_type = y_zero.dtype if y_zero is not None else a.dtype
    if y_zero is not None:
        values = values + tf.cast(y_zero, tf.float64)
    low, high = INTEGER_RANGES[out_type]
    return [tf.cast(tf.clip_by_value(values, low, high), out_type)]


def _centered(x, zero_point, row_vector: bool):
    x = tf.cast(x, tf.float64)
    if zero_point is None:
        return x
    zero_point = tf.cast(zero_point, tf.float64)
    return x - (_as_rows(zero_point) if row_vector else zero_point)


def _as_rows(param):
    """A per-row (M) parameter of `a` broadcast against [..., M, N]."""
    param = tf.cast(param, tf.float64)
    return param if param.shape.rank == 0 else tf.reshape(param, [-1, 1])


def _as_columns(param):
    return tf.cast(param, tf.float64)
