"""converter.fused::MatMul(A, B), written by FoldTransposeIntoMatMulPass: ONNX MatMul of A and B with the last two
axes of A swapped first where `transpose_a` = 1, of B where `transpose_b` = 1. The swap is the product kernel's
own adjoint flag, so no Transpose runs."""
from converter.tf_ops._matmul import numpy_matmul
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MatMul", since=1, domain=FUSED_DOMAIN)
def fused_mat_mul_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [numpy_matmul(node.inputs[0], node.inputs[1], transpose_a=bool(node.attr("transpose_a", 0)),
                         transpose_b=bool(node.attr("transpose_b", 0)))]
