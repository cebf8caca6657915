"""MaxPool: ceil_mode, dilations, -inf padding (never TF's SAME unless exactly equal), optional Indices."""
from converter.tf_ops._pool import max_pool_channels_last, max_pool_with_indices
from converter.tf_ops._spatial import channels_first, channels_last, resolve_window, static_spatial
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MaxPool", since=1)
def max_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x_last = channels_last(node.inputs[0])
    window = resolve_window(node, static_spatial(x_last), list(node.attr("kernel_shape")),
                            ceil_mode=bool(node.attr("ceil_mode", 0)))
    wants_indices = len(node.output_names) > 1 and node.output_names[1]
    if not wants_indices:
        return [channels_first(max_pool_channels_last(x_last, window)), None]
    values, indices = max_pool_with_indices(x_last, window, node.attr("storage_order", 0))
    return [channels_first(values), channels_first(indices)]
