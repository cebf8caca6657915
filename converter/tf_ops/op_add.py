"""Add: numpy-style broadcasting since 7, which tf.add shares; before 7, the legacy broadcast/axis
attributes. Versions 13 and 14 only add types. (A linear layer's bias add is part of
converter.fused::Linear, which FuseLinearLayerPass writes.)"""
import tensorflow as tf

from converter.tf_ops._elementwise import legacy_broadcast
from converter.tf_ops.registry import tf_op

# Ops whose output an AddN can be fused into: grappler's remapper turns Conv+BiasAdd+AddN(+Relu) into one
# oneDNN convolution (ResNet's residual adds), while it leaves an AddV2 as a separate pass over memory.
_FUSABLE_PRODUCERS = frozenset({"Conv2D", "Conv3D", "BiasAdd"})


@tf_op("Add", since=1)
def add_1(ctx, node):
    return [tf.add(*legacy_broadcast(node, node.inputs[0], node.inputs[1]))]


@tf_op("Add", since=7)
def add_7(ctx, node):
    a, b = node.inputs[0], node.inputs[1]
    if _residual_onto_conv(a, b):
        return [tf.add_n([a, b])]
    return [tf.add(a, b)]


def _residual_onto_conv(a, b) -> bool:
    """Same-shape float operands, one a convolution's output. AddN cannot broadcast, so the shapes must be
    known equal: every dimension static except a shared unknown batch (dimension 0)."""
    if not (hasattr(a, "op") and hasattr(b, "op") and a.dtype == b.dtype and a.dtype.is_floating):
        return False
    if a.shape.rank is None or b.shape.rank is None or a.shape.rank < 2 or a.shape.as_list() != b.shape.as_list():
        return False
    if any(d is None for d in a.shape.as_list()[1:]):
        return False
    return a.op.type in _FUSABLE_PRODUCERS or b.op.type in _FUSABLE_PRODUCERS
