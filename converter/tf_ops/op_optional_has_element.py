"""OptionalHasElement: whether the optional holds a value. Usually known while building the graph (an
empty optional is None), so the result is a constant; a DynamicOptional gives its run-time flag.
Since 18 the input may be a plain tensor or sequence, or omitted (then: false); the same rule covers
both versions."""
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.optional import has_element
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("OptionalHasElement", since=15)
def optional_has_element_15(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [has_element(node.input(0))]
