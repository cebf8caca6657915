"""ScatterND: reduction none/add/mul (16), max/min (18)."""
from converter.tf_ops._elements import scatter_with_reduction
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_gather_nd import positive_nd_indices
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ScatterND", since=11)
def scatter_nd_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data, updates = node.inputs[0], node.inputs[2]
    indices = positive_nd_indices(data, node.inputs[1], 0)
    return [scatter_with_reduction(data, indices, updates, node.attr("reduction", "none"), node.describe())]
