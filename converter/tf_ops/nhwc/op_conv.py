"""converter.nhwc::Conv: NHWC input, HWIO weight ([*k, C_in/group, C_out]), NHWC output."""
from converter.tf_ops._conv import conv_channels_last
from converter.tf_ops._spatial import kernel_from_attr_or_weight, resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Conv", since=1, domain=NHWC_DOMAIN)
def nhwc_conv_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, kernel, bias = node.input(0), node.input(1), node.input(2)
    window = resolve_window(node, static_spatial(x), kernel_from_attr_or_weight(node, kernel.shape[:-2]))
    return [conv_channels_last(x, kernel, bias, window, node.attr("group", 1))]
