"""ReverseSequence: reverse the first seq_lens[b] steps of each batch entry."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ReverseSequence", since=10)
def reverse_sequence_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.reverse_sequence(node.inputs[0], tf.cast(node.inputs[1], tf.int64),
                                seq_axis=node.attr("time_axis", 0), batch_axis=node.attr("batch_axis", 1))]
