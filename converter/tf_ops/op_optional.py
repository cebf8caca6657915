"""Optional: wrap a value (present) or make an empty optional (None); see sequence.py."""
from converter.tf_ops.registry import tf_op


@tf_op("Optional", since=15)
def optional_15(ctx, node):
    return [node.input(0)]
