"""SequenceErase: remove the element at a position (default: the last one)."""
from converter.tf_ops import sequence
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceErase", since=11)
def sequence_erase_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [sequence.erase(node.inputs[0], node.input(1))]
