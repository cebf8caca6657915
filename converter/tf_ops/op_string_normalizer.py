"""StringNormalizer (opset 10): drop stopwords (optionally case-insensitively), then change case.
Input is [C] or [1, C]; when every string is dropped the output is a single "" ([1] or [1, 1])."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _change_case(strings, action: str):
    if action == "LOWER":
        return tf.strings.lower(strings, encoding="utf-8")
    if action == "UPPER":
        return tf.strings.upper(strings, encoding="utf-8")
    return strings


@tf_op("StringNormalizer", since=10)
def string_normalizer_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    action = node.attr("case_change_action", "NONE")
    if action not in ("LOWER", "UPPER", "NONE"):
        raise OpTranslationError(f"{node.describe()}: case_change_action {action!r} is not LOWER/UPPER/NONE")
    flat = tf.reshape(data, [-1])
    stopwords = list(node.attr("stopwords") or [])
    if stopwords:
        case_sensitive = bool(node.attr("is_case_sensitive", 0))
        compared = flat if case_sensitive else tf.strings.lower(flat, encoding="utf-8")
        words = tf.constant(stopwords if case_sensitive else [w.lower() for w in stopwords])
        flat = tf.boolean_mask(flat, ~tf.reduce_any(tf.equal(compared[:, None], words[None, :]), axis=1))
    flat = _change_case(flat, action)
    flat = tf.cond(tf.equal(tf.size(flat), 0), lambda: tf.constant([""]), lambda: flat)
    return [tf.reshape(flat, [1, -1]) if data.shape.rank == 2 else flat]
