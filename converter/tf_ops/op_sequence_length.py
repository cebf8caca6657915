"""SequenceLength: an int64 scalar (a constant for static-length sequences)."""
import tensorflow as tf

from converter.tf_ops import sequence
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceLength", since=11)
def sequence_length_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.cast(sequence.length(node.inputs[0]), tf.int64)]
