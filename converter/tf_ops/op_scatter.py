"""Scatter (deprecated at opset 11): ScatterElements without reduction."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_scatter_elements import scatter_elements
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Scatter", since=9)
def scatter_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return scatter_elements(node)
