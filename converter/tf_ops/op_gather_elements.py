"""GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] (for axis 0), negative indices allowed. Along the
last axis (relative-position attention's gathers) one batched gather; along another, a gather of full
coordinates."""
import tensorflow as tf

from converter.tf_ops._elements import element_coordinates, gather_along_last_axis
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("GatherElements", since=11)
def gather_elements_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data, indices = node.inputs[0], node.inputs[1]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    if axis == data.shape.rank - 1:
        return [gather_along_last_axis(data, indices)]
    result = tf.gather_nd(data, element_coordinates(data, indices, axis))
    result.set_shape(indices.shape)        # the meshgrid hides the static shape from TF's inference
    return [result]
