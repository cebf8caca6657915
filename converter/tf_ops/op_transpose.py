"""Transpose: perm defaults to reversing the axes."""
from converter.tf_ops._transpose import transpose
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Transpose", since=1)
def transpose_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    perm = node.attr("perm")
    return [transpose(node.inputs[0], list(perm) if perm is not None else None)]
