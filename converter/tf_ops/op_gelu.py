"""Gelu: exact (erf) or tanh approximation, per the `approximate` attribute. Half floats compute in
float32: TF's half-precision Gelu is off by about 10 ulp. After a linear layer it runs before the
layer's output reshape, where grappler fuses it into the MatMul."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops._matmul import before_output_reshape
from converter.tf_ops.registry import tf_op


@tf_op("Gelu", since=20)
def gelu_20(ctx, node):
    return [gelu(node)]


def gelu(node):
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise OpTranslationError(f"{node.describe()}: approximate={approximate!r} is not 'none' or 'tanh'")
    activation = lambda x: tf.nn.gelu(x, approximate=approximate == "tanh")  # noqa: E731
    return before_output_reshape(lambda x: widened(activation, x, when=HALF_FLOATS), node.inputs[0])
