"""LpPool: (sum |x|^p over the window)^(1/p); zero padding adds nothing to the sum."""
from converter.tf_ops._pool import lp_pool_channels_last
from converter.tf_ops._spatial import channels_first, channels_last, resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LpPool", since=1)
def lp_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x_last = channels_last(node.inputs[0])
    window = resolve_window(node, static_spatial(x_last), list(node.attr("kernel_shape")),
                            ceil_mode=bool(node.attr("ceil_mode", 0)), pool_same_rule=True)
    return [channels_first(lp_pool_channels_last(x_last, window, float(node.attr("p", 2))))]
