"""converter.fused::Gelu, written by FuseGeluPass: the ONNX-20 Gelu (same `approximate` attribute) for
models exported at an older opset."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_gelu import gelu_function
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Gelu", since=1, domain=FUSED_DOMAIN)
def fused_gelu_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [gelu_function(node)(node.inputs[0])]
