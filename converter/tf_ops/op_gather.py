"""Gather: indices may be negative (count from the end of `axis`)."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, positive_indices
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Gather", since=1)
def gather_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data, indices = node.inputs[0], node.inputs[1]
    axis = normalize_axis(node.attr("axis", 0), data.shape.rank)
    return [tf.gather(data, positive_indices(indices, dims(data)[axis]), axis=axis)]
