"""Gelu: exact (erf) or tanh approximation, per the `approximate` attribute. Half floats compute in
float32: TF's half-precision Gelu is off by about 10 ulp. (After a linear layer it is part of
converter.fused::Linear, which FuseLinearLayerPass writes.)"""
from typing import Callable

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._elementwise import HALF_FLOATS, widened
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Gelu", since=20)
def gelu_20(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [gelu_function(node)(node.inputs[0])]


def gelu_function(node: OnnxNode) -> Callable[[tf.Tensor], tf.Tensor]:
    """The GELU of the node's `approximate` attribute (Gelu, converter.fused::Gelu and ::Linear share it)."""
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise OpTranslationError(f"{node.describe()}: approximate={approximate!r} is not 'none' or 'tanh'")
    activation = exact_gelu if approximate == "none" else lambda x: tf.nn.gelu(x, approximate=True)
    return lambda x: widened(activation, x, when=HALF_FLOATS)


def exact_gelu(x):
    """x/2 (1 + erf(x/sqrt 2)): PyTorch's and ONNX Runtime's formula. tf.nn.gelu spells it with erfc(-x/sqrt 2),
    whose kernel is slower (Erf 9.1 ms against Erfc 14.8 ms on 3.2M floats with Eigen); both fuse into oneDNN's
    MatMul + BiasAdd + GELU kernel, neither into Eigen's."""
    return 0.5 * x * _one_plus_erf(x)


def doubled_exact_gelu(x):
    """2 GELU(x) = x (1 + erf(x/sqrt 2)), for readers whose weights took the 1/2 (FoldActivationScalePass)."""
    return x * _one_plus_erf(x)


def _one_plus_erf(x):
    return 1.0 + tf.math.erf(x * tf.constant(0.7071067811865476, x.dtype))
