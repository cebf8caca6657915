"""converter.fused::Gelu, written by FuseGeluPass: the ONNX-20 Gelu (same `approximate` attribute) for
models exported at an older opset; with `scale` (FoldActivationScalePass) `scale` times it, the exact GELU's
0.5 folded into the linear layers reading it: `x * (1 + erf(x / sqrt 2))`, one pass over the activation
fewer."""
from converter.tf_ops._elementwise import HALF_FLOATS, scalar_like, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FOLDED_SCALES, FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_gelu import doubled_exact_gelu, gelu_function
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Gelu", since=1, domain=FUSED_DOMAIN)
def fused_gelu_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, scale = node.inputs[0], node.attr("scale", 1.0)
    if scale == FOLDED_SCALES["Gelu"] and node.attr("approximate", "none") == "none":
        return [widened(doubled_exact_gelu, x, when=HALF_FLOATS)]
    gelu = gelu_function(node)(x)
    return [gelu if scale == 1.0 else scalar_like(scale, x) * gelu]
