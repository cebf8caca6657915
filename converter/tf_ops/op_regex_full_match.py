"""RegexFullMatch (opset 20): RE2 full match, which tf.strings.regex_full_match also uses."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RegexFullMatch", since=20)
def regex_full_match_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.strings.regex_full_match(node.inputs[0], node.attr("pattern"))]
