"""RandomNormal: normal(mean, scale) values of the static `shape` attribute and `dtype` (float32 by
default). Version 22 only adds bfloat16."""
from converter.tf_ops import _random
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RandomNormal", since=1)
def random_normal_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [_random.normal(list(node.attr("shape")), tf_dtype(node.attr("dtype", 1)),
                           node.attr("mean", 0.0), node.attr("scale", 1.0), node.attr("seed"))]
