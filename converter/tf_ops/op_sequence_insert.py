"""SequenceInsert: insert a tensor at a position (default: the end)."""
from converter.tf_ops import sequence
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceInsert", since=11)
def sequence_insert_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [sequence.insert(node.inputs[0], node.inputs[1], node.input(2))]
