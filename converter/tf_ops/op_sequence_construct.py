"""SequenceConstruct: the inputs as a (static-length) sequence, see converter/tf_ops/sequence.py."""
from converter.tf_ops.registry import tf_op


@tf_op("SequenceConstruct", since=11)
def sequence_construct_11(ctx, node):
    return [list(node.inputs)]
