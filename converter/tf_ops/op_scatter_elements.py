"""ScatterElements (and the deprecated Scatter): reduction none/add (16), mul, max/min (18)."""
from converter.tf_ops._elements import element_coordinates, scatter_with_reduction
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def scatter_elements(node):
    data, indices, updates = node.inputs[0], node.inputs[1], node.inputs[2]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    coordinates = element_coordinates(data, indices, axis)
    return [scatter_with_reduction(data, coordinates, updates, node.attr("reduction", "none"), node.describe())]


@tf_op("ScatterElements", since=11)
def scatter_elements_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return scatter_elements(node)
