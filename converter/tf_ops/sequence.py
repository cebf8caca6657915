"""How ONNX sequences and optionals are represented during translation.

Sequences have two representations:
- a Python `list` of tensors, when the length is known while building the graph (graph inputs,
  SequenceConstruct, SplitToSequence with static sizes, inserts into such lists). Cheapest, and the
  elements keep their static shapes.
- a `DynamicSequence` (a tf.ExtensionType) when the length is only known at run time: sequences
  carried through a Loop, or grown inside one. Elements are stored flattened and concatenated with
  their offsets and shapes, so elements of different shapes (and ranks) fit, and the value can be a
  tf.while_loop variable and a tf.function output. `to_python_value()` turns it back into a list.

Optionals: an empty optional is `None`; a present one is its value (tensor or sequence); one whose
presence is decided at run time is an optional.DynamicOptional.
Every sequence handler goes through the functions here, which accept both representations.
"""
from __future__ import annotations

import tensorflow as tf

from converter.errors import OpTranslationError


class DynamicSequence(tf.experimental.ExtensionType):
    flat: tf.Tensor            # all elements, flattened and concatenated
    offsets: tf.Tensor         # int64 [n + 1]: element i is flat[offsets[i]:offsets[i + 1]]
    dims: tf.Tensor            # int64: all element shapes concatenated
    dim_offsets: tf.Tensor     # int64 [n + 1]: shape of element i is dims[dim_offsets[i]:dim_offsets[i + 1]]

    def to_python_value(self) -> list:
        """The elements as a Python list (eager values only: the backend's output conversion)."""
        return [self.at(i) for i in range(int(self.length()))]

    def length(self):
        return tf.shape(self.offsets, out_type=tf.int64)[0] - 1

    def at(self, index):
        index = tf.cast(index, tf.int64)
        values = self.flat[self.offsets[index]:self.offsets[index + 1]]
        return tf.reshape(values, self.dims[self.dim_offsets[index]:self.dim_offsets[index + 1]])


def _relaxed(tensor):
    """The tensor with an unknown static length, so every DynamicSequence has the same TypeSpec
    (a tf.while_loop requires its loop variables' specs not to change between iterations)."""
    if tf.executing_eagerly():
        return tensor
    return tf.compat.v1.placeholder_with_default(tensor, [None])


def _make(flat, offsets, dims, dim_offsets) -> DynamicSequence:
    return DynamicSequence(_relaxed(flat), _relaxed(offsets), _relaxed(dims), _relaxed(dim_offsets))


def empty_sequence(dtype: tf.DType) -> DynamicSequence:
    zero = tf.zeros([1], tf.int64)
    return _make(tf.zeros([0], dtype), zero, tf.zeros([0], tf.int64), zero)


def is_sequence(value) -> bool:
    return isinstance(value, (list, DynamicSequence))


def to_dynamic(value, dtype: tf.DType | None = None) -> DynamicSequence:
    if isinstance(value, DynamicSequence):
        return value
    if not value:
        if dtype is None:
            raise OpTranslationError("an empty sequence needs a known element type to be carried through a loop")
        return empty_sequence(dtype)
    sequence = empty_sequence(value[0].dtype)
    for element in value:
        sequence = insert(sequence, element)
    return sequence


def element_dtype(sequence) -> tf.DType | None:
    if isinstance(sequence, DynamicSequence):
        return sequence.flat.dtype
    return sequence[0].dtype if sequence else None


def length(sequence):
    """Static int for lists, int64 scalar tensor for dynamic sequences."""
    return len(sequence) if isinstance(sequence, list) else sequence.length()


def _static_position(position, size: int, what: str, allow_end: bool) -> int:
    index = int(tf.get_static_value(position))
    limit = size if allow_end else size - 1
    if not -size <= index <= limit:
        raise OpTranslationError(f"{what} position {index} is out of range for a sequence of {size}")
    return index + size if index < 0 else index


def at(sequence, position):
    if isinstance(sequence, list) and tf.get_static_value(position) is not None:
        return sequence[_static_position(position, len(sequence), "SequenceAt", allow_end=False)]
    shape = _common_shape(sequence) if isinstance(sequence, list) else None
    if shape is not None and shape.is_fully_defined() and sequence:      # equal shapes: a plain gather
        position = tf.reshape(tf.cast(position, tf.int64), [])
        return tf.gather(tf.stack(sequence), tf.where(position < 0, position + len(sequence), position))
    sequence = to_dynamic(sequence)
    position = tf.reshape(tf.cast(position, tf.int64), [])
    element = sequence.at(tf.where(position < 0, position + sequence.length(), position))
    return element if shape is None else tf.ensure_shape(element, shape)


def _common_shape(elements: list) -> tf.TensorShape | None:
    """The most specific static shape all elements share (dims that differ become None)."""
    if not elements or any(e.shape.rank != elements[0].shape.rank for e in elements):
        return None
    dims = [d if all(e.shape[k] == d for e in elements) else None for k, d in enumerate(elements[0].shape)]
    return tf.TensorShape(dims)


def insert(sequence, tensor, position=None):
    if isinstance(sequence, list) and (position is None or tf.get_static_value(position) is not None):
        index = len(sequence) if position is None else _static_position(position, len(sequence), "SequenceInsert",
                                                                          allow_end=True)
        return sequence[:index] + [tensor] + sequence[index:]
    sequence = to_dynamic(sequence, tensor.dtype)
    flat = tf.reshape(tensor, [-1])
    shape = tf.shape(tensor, out_type=tf.int64)
    if position is None:
        return _make(tf.concat([sequence.flat, flat], 0),
                     tf.concat([sequence.offsets, sequence.offsets[-1:] + tf.size(flat, out_type=tf.int64)], 0),
                     tf.concat([sequence.dims, shape], 0),
                     tf.concat([sequence.dim_offsets, sequence.dim_offsets[-1:] + tf.size(shape, out_type=tf.int64)], 0))
    position = tf.reshape(tf.cast(position, tf.int64), [])
    position = tf.where(position < 0, position + sequence.length(), position)
    return _splice(sequence, position, position, [flat], [shape])


def erase(sequence, position=None):
    if isinstance(sequence, list) and (position is None or tf.get_static_value(position) is not None):
        index = len(sequence) - 1 if position is None else _static_position(position, len(sequence), "SequenceErase",
                                                                              allow_end=False)
        return sequence[:index] + sequence[index + 1:]
    sequence = to_dynamic(sequence)
    position = sequence.length() - 1 if position is None else tf.reshape(tf.cast(position, tf.int64), [])
    position = tf.where(position < 0, position + sequence.length(), position)
    return _splice(sequence, position, position + 1, [], [])


def _splice(sequence: DynamicSequence, start, stop, new_flats: list, new_shapes: list) -> DynamicSequence:
    """Replace elements [start, stop) of the sequence by the given (flattened) elements."""
    def cut(values, offsets, pieces):
        head = values[:offsets[start]]
        tail = values[offsets[stop]:]
        middle_sizes = [tf.size(p, out_type=tf.int64) for p in pieces]
        new_offsets = [offsets[:start + 1]]
        running = offsets[start]
        for size in middle_sizes:
            running = running + size
            new_offsets.append(tf.reshape(running, [1]))
        shift = running - offsets[stop]
        new_offsets.append(offsets[stop + 1:] + shift)
        return tf.concat([head, *pieces, tail], 0), tf.concat(new_offsets, 0)

    flat, offsets = cut(sequence.flat, sequence.offsets, new_flats)
    dims, dim_offsets = cut(sequence.dims, sequence.dim_offsets, new_shapes)
    return _make(flat, offsets, dims, dim_offsets)


def to_list(sequence, what: str) -> list:
    """The elements as a Python list; dynamic sequences must have a length known at graph-build time."""
    if isinstance(sequence, list):
        return sequence
    size = tf.get_static_value(sequence.length())
    if size is None:
        raise OpTranslationError(f"{what} needs a sequence whose length is known while building the graph")
    return [sequence.at(i) for i in range(int(size))]
