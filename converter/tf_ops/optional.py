"""ONNX optionals whose presence is only known at run time.

Usually presence is known while building the graph: an empty optional is `None`, a present one is
its value (see sequence.py). When it is not (an If whose branches return an empty and a present
optional under a run-time condition; a Loop variable that starts empty and gets a value), the value
is a `DynamicOptional`: a presence flag plus a value of the declared type (a placeholder when empty).
"""
from __future__ import annotations

from typing import Union

import onnx
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops.dtypes import tf_dtype


class DynamicOptional(tf.experimental.ExtensionType):
    has_value: tf.Tensor                                   # bool scalar
    value: Union[tf.Tensor, sequence.DynamicSequence]      # meaningful only when has_value

    def to_python_value(self):
        """The eager value or None (the backend's output conversion)."""
        if not bool(self.has_value):
            return None
        value = self.value
        return value.to_python_value() if isinstance(value, sequence.DynamicSequence) else value


def placeholder_for(type_proto: onnx.TypeProto, what: str):
    """A value of the optional's element type standing in for an absent one."""
    kind = type_proto.WhichOneof("value")
    if kind == "optional_type":
        return placeholder_for(type_proto.optional_type.elem_type, what)
    if kind == "sequence_type" and type_proto.sequence_type.elem_type.WhichOneof("value") == "tensor_type":
        return sequence.empty_sequence(tf_dtype(type_proto.sequence_type.elem_type.tensor_type.elem_type))
    if kind == "tensor_type" and type_proto.tensor_type.elem_type:
        tensor_type = type_proto.tensor_type
        rank = len(tensor_type.shape.dim) if tensor_type.HasField("shape") else 1
        return tf.zeros([0] * rank, tf_dtype(tensor_type.elem_type))
    raise OpTranslationError(f"{what}: an optional whose presence is decided at run time needs a declared "
                             "tensor or sequence-of-tensor element type")


def make_dynamic(value, type_proto: onnx.TypeProto | None, what: str, like: DynamicOptional | None = None):
    """`value` (None, a tensor, a sequence, or a DynamicOptional) as a DynamicOptional; an empty one
    takes its placeholder from `like` (a loop variable) or from the declared type."""
    if isinstance(value, DynamicOptional):
        return value
    if value is None:
        return _optional(False, like.value if like is not None else placeholder_for(type_proto, what))
    if sequence.is_sequence(value):
        dtype = like.value.flat.dtype if like is not None and isinstance(like.value, sequence.DynamicSequence) else None
        return _optional(True, sequence.to_dynamic(value, dtype))
    return _optional(True, tf.convert_to_tensor(value))


def _optional(present: bool, value) -> DynamicOptional:
    """Tensor values get unknown dimensions so that the placeholder and real values share one TypeSpec
    (tf.cond branches and tf.while_loop variables must agree)."""
    if isinstance(value, tf.Tensor) and not tf.executing_eagerly() and value.shape.rank is not None:
        value = tf.compat.v1.placeholder_with_default(value, [None] * value.shape.rank)
    return DynamicOptional(tf.constant(present), value)


def has_element(value):
    if isinstance(value, DynamicOptional):
        return value.has_value
    return tf.constant(value is not None)


def get_element(value, what: str):
    if value is None:
        raise OpTranslationError(f"{what}: the optional is empty; it has no element to get")
    if isinstance(value, DynamicOptional):
        # tf.debugging.Assert, not assert_equal: a branch never taken may hold a statically empty optional
        with tf.control_dependencies([tf.debugging.Assert(value.has_value, [f"{what}: the optional is empty"])]):
            element = value.value
            return tf.identity(element) if isinstance(element, tf.Tensor) else element
    return value
