"""QuantizeLinear: y = saturate(round(x / scale) + zero_point).

One implementation serves every version; attributes absent from older versions take their defaults:
13 added per-axis scales, 19 float8 outputs and `saturate`, 21 blocked scales and `output_dtype`,
23 `precision` (the type x / scale is computed in). The output type is the zero point's, else
output_dtype, else uint8."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._quantization import (FLOAT8, FLOAT_TYPES, TF_TO_QUANTIZED,
                                            broadcast_parameter, quantized_type, round_and_clip,
                                            saturate_to_float8)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("QuantizeLinear", since=10)
@tf_op("QuantizeLinear", since=13)
@tf_op("QuantizeLinear", since=19)
@tf_op("QuantizeLinear", since=21)
@tf_op("QuantizeLinear", since=23)
def quantize_linear(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, zero_point = node.inputs[0], node.inputs[1], node.input(2)
    axis, block_size = node.attr("axis", 1), node.attr("block_size", 0)
    out_type = _output_type(node, zero_point)
    precision = node.attr("precision", 0)
    compute = FLOAT_TYPES[precision] if precision else x.dtype
    scale = broadcast_parameter(scale, x, axis, block_size)
    scaled = tf.cast(x, compute) / tf.cast(scale, compute)
    if out_type in FLOAT8:
        return [saturate_to_float8(tf.cast(scaled, tf.float32), out_type, bool(node.attr("saturate", 1)))]
    if zero_point is not None:
        zero_point = broadcast_parameter(zero_point, x, axis, block_size)
    return [round_and_clip(scaled, zero_point, out_type)]


def _output_type(node, zero_point) -> tf.DType:
    if zero_point is not None:
        if zero_point.dtype not in TF_TO_QUANTIZED:
            raise OpTranslationError(f"{node.describe()}: zero point type {zero_point.dtype.name} is not a "
                                     "supported quantized type (uint8/int8/uint16/int16/float8)")
        return zero_point.dtype
    output_dtype = node.attr("output_dtype", 0)
    return quantized_type(output_dtype, node) if output_dtype else tf.uint8
