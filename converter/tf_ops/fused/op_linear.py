"""converter.fused::Linear(X, W[, B]), written by FuseLinearLayerPass: activation(MatMul(X, W) + B) for X of
shape [..., K], W [K, N], B [N]; `activation` is "" (none) or one of LINEAR_ACTIVATIONS, Gelu with its
`approximate` attribute. For float32/float64 and where TF's static shapes allow it (is_linear_layer), it runs
as reshape -> 2-D MatMul -> BiasAdd -> activation -> reshape, which grappler fuses into one kernel;
otherwise as the ops it replaced."""
from typing import Callable

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._matmul import is_linear_layer, linear_layer, numpy_matmul
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_gelu import gelu_function
from converter.tf_ops.registry import Outputs, tf_op

_ACTIVATIONS = {"": None, "Relu": tf.nn.relu, "Sigmoid": tf.math.sigmoid, "Tanh": tf.math.tanh}


@tf_op("Linear", since=1, domain=FUSED_DOMAIN)
def fused_linear_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, weight, bias = node.inputs[0], node.inputs[1], node.input(2)
    activation = _activation(node)
    if x.dtype in (tf.float32, tf.float64) and is_linear_layer(x, weight):
        # One name scope for all: grappler breaks ties by name when it regroups tanh-GELU's products and
        # fuses the result only when the BiasAdd it reads sorts first, as "<scope>/BiasAdd" < "<scope>/Gelu/".
        return [linear_layer(x, weight, bias, activation)]
    y = numpy_matmul(x, weight)
    y = y if bias is None else tf.add(y, bias)
    return [y if activation is None else activation(y)]


def _activation(node: OnnxNode) -> Callable[[tf.Tensor], tf.Tensor] | None:
    name = node.attr("activation", "")
    if name == "Gelu":
        return gelu_function(node)
    if name not in _ACTIVATIONS:
        raise OpTranslationError(f"{node.describe()}: activation={name!r} is not one of {[*_ACTIVATIONS, 'Gelu']}")
    return _ACTIVATIONS[name]
