"""converter.nhwc::MaxPool (values only: the pass keeps MaxPool with Indices in NCHW)."""
from converter.tf_ops._pool import max_pool_channels_last
from converter.tf_ops._spatial import resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.nhwc import NHWC_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MaxPool", since=1, domain=NHWC_DOMAIN)
def nhwc_max_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    window = resolve_window(node, static_spatial(x), list(node.attr("kernel_shape")),
                            ceil_mode=bool(node.attr("ceil_mode", 0)))
    return [max_pool_channels_last(x, window)]
