"""SequenceConstruct: the inputs as a (static-length) sequence, see converter/tf_ops/sequence.py."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceConstruct", since=11)
def sequence_construct_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [list(node.inputs)]
