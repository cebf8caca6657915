"""Optional: wrap a value (present) or make an empty optional (None); see sequence.py."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Optional", since=15)
def optional_15(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [node.input(0)]
