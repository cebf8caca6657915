"""SequenceAt: element at a (possibly negative) position."""
from converter.tf_ops import sequence
from converter.tf_ops.registry import tf_op


@tf_op("SequenceAt", since=11)
def sequence_at_11(ctx, node):
    return [sequence.at(node.inputs[0], node.inputs[1])]
