"""Gelu: exact (erf) or tanh approximation, per the `approximate` attribute."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.registry import tf_op


@tf_op("Gelu", since=20)
def gelu_20(ctx, node):
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise OpTranslationError(f"{node.describe()}: approximate={approximate!r} is not 'none' or 'tanh'")
    return [tf.nn.gelu(node.inputs[0], approximate=approximate == "tanh")]
