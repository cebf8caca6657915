"""SequenceInsert: insert a tensor at a position (default: the end)."""
from converter.tf_ops import sequence
from converter.tf_ops.registry import tf_op


@tf_op("SequenceInsert", since=11)
def sequence_insert_11(ctx, node):
    return [sequence.insert(node.inputs[0], node.inputs[1], node.input(2))]
