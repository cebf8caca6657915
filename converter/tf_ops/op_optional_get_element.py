"""OptionalGetElement: the value held by an optional (since 18 also accepts a plain tensor/sequence,
returned as is). An empty optional is an error the model would also raise at run time."""
from converter.errors import OpTranslationError
from converter.tf_ops.registry import tf_op


@tf_op("OptionalGetElement", since=15)
def optional_get_element_15(ctx, node):
    if node.input(0) is None:
        raise OpTranslationError(f"{node.describe()}: the optional is empty; it has no element to get")
    return [node.inputs[0]]
