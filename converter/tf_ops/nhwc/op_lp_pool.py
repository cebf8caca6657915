"""converter.nhwc::LpPool."""
from converter.tf_ops._pool import lp_pool_channels_last
from converter.tf_ops._spatial import resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("LpPool", since=1, domain=NHWC_DOMAIN)
def nhwc_lp_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    window = resolve_window(node, static_spatial(x), list(node.attr("kernel_shape")),
                            ceil_mode=bool(node.attr("ceil_mode", 0)), pool_same_rule=True)
    return [lp_pool_channels_last(x, window, float(node.attr("p", 2)))]
