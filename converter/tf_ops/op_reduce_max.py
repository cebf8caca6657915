"""ReduceMax: axes were an attribute before opset 18 and an input since."""
from converter.tf_ops._reduce import reduce_max_fn, reduce_with
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ReduceMax", since=1)
def reduce_max_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return reduce_with(node, reduce_max_fn, axes_from_input=False)


@tf_op("ReduceMax", since=18)
def reduce_max_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return reduce_with(node, reduce_max_fn, axes_from_input=True)
