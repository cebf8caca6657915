"""OptionalGetElement: the value held by an optional (since 18 also accepts a plain tensor/sequence,
returned as is). An optional known to be empty is an error the model would also raise at run time;
a DynamicOptional is checked when the graph runs."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.optional import get_element
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("OptionalGetElement", since=15)
def optional_get_element_15(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [get_element(node.input(0), node.describe())]
