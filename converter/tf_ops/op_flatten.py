"""Flatten: 2-D output [prod(dims[:axis]), prod(dims[axis:])]; axis may be negative since opset 11."""
import tensorflow as tf

from converter.tf_ops._shape_util import dims, product, stack_dims
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Flatten", since=1)
def flatten_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    axis = normalize_axis(node.attr("axis", 1), data.shape.rank)
    sizes = dims(data)
    return [tf.reshape(data, stack_dims([product(sizes[:axis]), product(sizes[axis:])]))]
