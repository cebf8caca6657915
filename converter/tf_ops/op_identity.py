"""Identity: tensors, sequences (a list, since 14) and optionals (None when empty, since 16).
Later versions only add types."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Identity", since=1)
def identity_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    value = node.inputs[0]
    if value is None:
        return [None]
    if isinstance(value, (list, tuple)):
        return [[tf.identity(v) for v in value]]
    return [tf.identity(value)]
