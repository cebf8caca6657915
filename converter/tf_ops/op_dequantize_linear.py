"""DequantizeLinear: y = (x - zero_point) * scale, computed in float32, returned in the scale's type
(or output_dtype, opset 23+). 13 added per-axis scales, 19 float8 inputs, 21 blocked scales; one
implementation serves every version. int4/uint4/int2/uint2/float4 inputs have no TF cast kernel."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._quantization import FLOAT8, FLOAT_TYPES, broadcast_parameter
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

DEQUANTIZABLE = {tf.uint8, tf.int8, tf.uint16, tf.int16, tf.int32, *FLOAT8}


@tf_op("DequantizeLinear", since=10)
@tf_op("DequantizeLinear", since=13)
@tf_op("DequantizeLinear", since=19)
@tf_op("DequantizeLinear", since=21)
@tf_op("DequantizeLinear", since=23)
def dequantize_linear(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale, zero_point = node.inputs[0], node.inputs[1], node.input(2)
    axis, block_size = node.attr("axis", 1), node.attr("block_size", 0)
    if x.dtype not in DEQUANTIZABLE:
        raise OpTranslationError(f"{node.describe()}: quantized type {x.dtype.name} is not supported "
                                 "(TF has no cast kernel for it)")
    values = tf.cast(x, tf.float32)
    if zero_point is not None and x.dtype not in FLOAT8:    # float8 zero points are zero by definition
        values = values - tf.cast(broadcast_parameter(zero_point, x, axis, block_size), tf.float32)
    values = values * tf.cast(broadcast_parameter(scale, x, axis, block_size), tf.float32)
    output_dtype = node.attr("output_dtype", 0)
    return [tf.cast(values, FLOAT_TYPES[output_dtype] if output_dtype else scale.dtype)]
