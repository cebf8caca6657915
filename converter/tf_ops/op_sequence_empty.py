"""SequenceEmpty: an empty sequence of the `dtype` attribute (float by default).

It is a DynamicSequence rather than [] so that its element type survives into Loop bodies."""
import onnx

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op
from converter.tf_ops.sequence import empty_sequence


@tf_op("SequenceEmpty", since=11)
def sequence_empty_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [empty_sequence(tf_dtype(node.attr("dtype", onnx.TensorProto.FLOAT)))]
