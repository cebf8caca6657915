"""Cast to the `to` element type. Version 19 adds `saturate` for float8 targets, 21-25 add the
2/4-bit and float8e8m0 types and 25 `round_mode` (float8e8m0 only, which TF cannot hold); 28 adds
float6 types. The float16/32/64, bfloat16, integer, bool and string casts are the same in all."""
from converter.tf_ops._cast import cast_to, target_dtype
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Cast", since=6)
def cast_6(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    dtype = target_dtype(node.attr("to"), node.describe())
    return [cast_to(node.inputs[0], dtype, bool(node.attr("saturate", 1)), node.describe())]
