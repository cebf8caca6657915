"""Softmax: before opset 13 the input is coerced to 2-D at `axis` (default 1); since 13 it runs
along one axis (default -1)."""
from converter.tf_ops._softmax import along_axis, coerced_2d, softmax_last
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Softmax", since=1)
def softmax_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [coerced_2d(softmax_last, node.inputs[0], node.attr("axis", 1))]


@tf_op("Softmax", since=13)
def softmax_13(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [along_axis(softmax_last, node.inputs[0], node.attr("axis", -1))]
