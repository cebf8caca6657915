"""converter.nhwc::ConvTranspose: NHWC input, weight [*k, C_out/group, C_in], NHWC output."""
from converter.tf_ops._conv import conv_transpose_channels_last
from converter.tf_ops._spatial import kernel_from_attr_or_weight, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_conv_transpose import transpose_geometry
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ConvTranspose", since=1, domain=NHWC_DOMAIN)
def nhwc_conv_transpose_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, kernel, bias = node.input(0), node.input(1), node.input(2)
    window, extend, sizes = transpose_geometry(node, static_spatial(x),
                                               kernel_from_attr_or_weight(node, kernel.shape[:-2]),
                                               dynamic_shape_axis=1)
    return [conv_transpose_channels_last(x, kernel, bias, window, node.attr("group", 1), extend, sizes)]
