"""converter.fused::Swish, written by FuseSwishPass: x * sigmoid(x) (SiLU), in the form its size calls for
(converter/tf_ops/_swish.py)."""
from converter.tf_ops._swish import swish
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Swish", since=1, domain=FUSED_DOMAIN)
def fused_swish_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [swish(node.inputs[0])]
