"""AveragePool: count_include_pad, ceil_mode and dilations with PyTorch's exact divisors."""
from converter.tf_ops._pool import average_pool_channels_last
from converter.tf_ops._spatial import channels_first, channels_last, resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("AveragePool", since=1)
def average_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x_last = channels_last(node.inputs[0])
    window = resolve_window(node, static_spatial(x_last), list(node.attr("kernel_shape")),
                            ceil_mode=bool(node.attr("ceil_mode", 0)), pool_same_rule=True)
    y = average_pool_channels_last(x_last, window, bool(node.attr("count_include_pad", 0)))
    return [channels_first(y)]
