"""converter.fused::HardSwish, written by FoldActivationScalePass: `scale` times HardSwish, its 1/6 folded into
the linear layers reading it: `x * relu6(x + 3)`, one pass over the activation fewer."""
import tensorflow as tf

from converter.tf_ops._elementwise import hard_sigmoid_one_sixth, scalar_like
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FOLDED_SCALES, FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("HardSwish", since=1, domain=FUSED_DOMAIN)
def fused_hard_swish_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale = node.inputs[0], node.attr("scale", 1.0)
    if scale == FOLDED_SCALES["HardSwish"]:
        return [x * tf.nn.relu6(x + scalar_like(3, x))]
    return [scalar_like(scale, x) * x * hard_sigmoid_one_sixth(x)]
