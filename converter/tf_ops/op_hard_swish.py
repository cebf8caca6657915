"""HardSwish: x * max(0, min(1, x / 6 + 0.5)). Version 22 only adds types."""
from converter.tf_ops._elementwise import hard_sigmoid_one_sixth
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HardSwish", since=14)
def hard_swish_14(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x = node.inputs[0]
    return [x * hard_sigmoid_one_sixth(x)]
