"""Det of the last two axes. TF has no half-precision kernel: those compute in float32.
Version 22 only adds bfloat16."""
import tensorflow as tf

from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Det", since=11)
def det_11(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [widened(tf.linalg.det, node.inputs[0], when=HALF_FLOATS)]
