"""MatMul: numpy matmul semantics (1-D operands, broadcast batch dimensions)."""
from converter.tf_ops._matmul import numpy_matmul
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("MatMul", since=1)
def mat_mul_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [numpy_matmul(node.inputs[0], node.inputs[1])]
