"""OptionalHasElement: whether the optional holds a value. Presence is known while building the graph
(an empty optional is None), so the result is a constant. Since 18 the input may be a plain tensor or
sequence, or omitted (then: false); the same rule covers both versions."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("OptionalHasElement", since=15)
def optional_has_element_15(ctx, node):
    return [tf.constant(node.input(0) is not None)]
