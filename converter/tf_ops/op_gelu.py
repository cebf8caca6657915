"""Gelu: exact (erf) or tanh approximation, per the `approximate` attribute. Half floats compute in
float32: TF's half-precision Gelu is off by about 10 ulp."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops.registry import tf_op


@tf_op("Gelu", since=20)
def gelu_20(ctx, node):
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise OpTranslationError(f"{node.describe()}: approximate={approximate!r} is not 'none' or 'tanh'")
    return [widened(lambda x: tf.nn.gelu(x, approximate=approximate == "tanh"), node.inputs[0], when=HALF_FLOATS)]
