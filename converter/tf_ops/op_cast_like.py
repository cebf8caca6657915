"""CastLike: Cast to the element type of the second input. Versions 19-25 mirror Cast's."""
from converter.tf_ops._cast import cast_to
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("CastLike", since=15)
def cast_like_15(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [cast_to(node.inputs[0], node.inputs[1].dtype, bool(node.attr("saturate", 1)), node.describe())]
