"""Conv (1-D/2-D/3-D, groups, dilations, auto_pad): run channels-last as TF's CPU kernels want it."""
from converter.tf_ops._conv import conv_channels_last, oihw_to_hwio
from converter.tf_ops._spatial import (channels_first, channels_last, kernel_from_attr_or_weight,
                                       resolve_window, static_spatial)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Conv", since=1)
def conv_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, weight, bias = node.input(0), node.input(1), node.input(2)
    kernel = kernel_from_attr_or_weight(node, weight.shape[2:])
    x_last = channels_last(x)
    window = resolve_window(node, static_spatial(x_last), kernel)
    y = conv_channels_last(x_last, oihw_to_hwio(weight), bias, window, node.attr("group", 1))
    return [channels_first(y)]
