"""ArgMin: index of the min along an axis (int64); select_last_index since opset 12."""
import tensorflow as tf

from converter.tf_ops._argminmax import arg_extreme
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ArgMin", since=1)
def arg_min_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return arg_extreme(node, tf.math.argmin)
