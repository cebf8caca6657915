"""SequenceAt: element at a (possibly negative) position."""
from converter.tf_ops import sequence
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceAt", since=11)
def sequence_at_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [sequence.at(node.inputs[0], node.inputs[1])]
