"""Helpers shared by Loop and Scan: loop-variable shapes and scan-output accumulation.

A tf.while_loop requires each loop variable to keep a compatible static shape. ONNX loops may grow
tensors (concatenation per iteration), so the body is first traced once to learn the shape each
variable has after an iteration, and the loop runs with the most specific shape compatible with both
(e.g. [None, 4] when only the first dimension changes).
"""
from __future__ import annotations

import numpy as np
import onnx
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.optional import DynamicOptional, make_dynamic


def element_type_of(type_proto: onnx.TypeProto) -> tf.DType | None:
    """The TF element type of an ONNX tensor / sequence / optional type, None when not declared."""
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        return tf_dtype(type_proto.tensor_type.elem_type) if type_proto.tensor_type.elem_type else None
    if kind == "sequence_type":
        return element_type_of(type_proto.sequence_type.elem_type)
    if kind == "optional_type":
        return element_type_of(type_proto.optional_type.elem_type)
    return None


def loop_ready(value, type_proto: onnx.TypeProto, what: str):
    """A loop variable TF can carry: sequences become DynamicSequence (their length may change), an
    empty optional a DynamicOptional (the body may give it a value)."""
    if value is None:
        return make_dynamic(None, type_proto, what)
    if sequence.is_sequence(value):
        return sequence.to_dynamic(value, element_type_of(type_proto))
    return tf.convert_to_tensor(value)


def relaxed_shape(before, after) -> tf.TensorShape:
    """The most specific shape compatible with both: dims that differ become None."""
    before, after = tf.TensorShape(before), tf.TensorShape(after)
    if before.rank is None or after.rank is None or before.rank != after.rank:
        return tf.TensorShape(None)
    return tf.TensorShape([b if b == a else None for b, a in zip(before.as_list(), after.as_list())])


def unknown(value, shape=None):
    """`value` with its static shape relaxed to `shape` (default: the same rank, unknown dims) while
    building a graph, so a trial iteration sees what a real iteration sees."""
    if tf.executing_eagerly() or not isinstance(value, tf.Tensor):
        return value
    if shape is None:
        shape = tf.TensorShape(None if value.shape.rank is None else [None] * value.shape.rank)
    return tf.compat.v1.placeholder_with_default(value, shape)


def learn_invariants(run_step, initial: list, attempts: int = 3):
    """Trace the loop body (run_step(values) -> (values, scan outputs)) until the loop variables'
    shapes stop changing; returns (shape invariants, TensorSpecs of the scan outputs)."""
    shapes = [v.shape if isinstance(v, tf.Tensor) else None for v in initial]
    for _ in range(attempts):
        relaxed, scan_specs = _trial(run_step, initial, shapes)
        if all(not isinstance(v, tf.Tensor) or r == s for v, r, s in zip(initial, relaxed, shapes)):
            return relaxed, scan_specs
        shapes = [r if isinstance(v, tf.Tensor) else None for v, r in zip(initial, relaxed)]
    return [tf.TensorShape(None) if isinstance(v, tf.Tensor) else tf.type_spec_from_value(v)
            for v in initial], scan_specs


def _trial(run_step, initial: list, shapes: list):
    """One iteration traced into a throwaway tf.function graph (captures the enclosing values; never
    runs, adds nothing to the model's graph): the invariants it implies and its scan output specs."""
    learned = {}

    def trial():
        trial_inputs = [unknown(v, s) if s is not None else v for v, s in zip(initial, shapes)]
        after, scans = run_step(trial_inputs)
        learned["relaxed"] = invariants(trial_inputs, after)
        learned["scans"] = [tf.TensorSpec(t.shape, t.dtype) for t in map(tf.convert_to_tensor, scans)]
        return []

    tf.function(trial, autograph=False).get_concrete_function()
    return learned["relaxed"], learned["scans"]


def invariants(initial: list, after_one_step: list) -> list:
    """Shape invariants for tf.while_loop: TensorShape for tensors, the value's own spec otherwise."""
    result = []
    for before, after in zip(initial, after_one_step):
        if isinstance(before, tf.Tensor):
            result.append(relaxed_shape(before.shape, tf.convert_to_tensor(after).shape))
        else:
            result.append(tf.type_spec_from_value(before))
    return result


def match_loop_types(initial: list, outputs: list, what: str) -> list:
    """Body outputs converted to the loop variables' kinds and dtypes (tf.while_loop requires it)."""
    matched = []
    for before, after in zip(initial, outputs):
        if isinstance(before, DynamicOptional):
            matched.append(make_dynamic(after, None, what, like=before))
        elif isinstance(before, sequence.DynamicSequence):
            matched.append(sequence.to_dynamic(after, before.flat.dtype))
        elif after is None or sequence.is_sequence(after):
            raise OpTranslationError(f"{what}: a loop variable changes kind (tensor to sequence/optional)")
        else:
            after = tf.convert_to_tensor(after)
            if after.dtype != before.dtype:
                raise OpTranslationError(f"{what}: loop variable dtype changes from {before.dtype.name} "
                                         f"to {after.dtype.name}")
            matched.append(after)
    return matched


def new_accumulators(specs: list) -> list:
    """One TensorArray per scan output, typed (and ranked) after a trial iteration's outputs."""
    arrays = []
    for spec in specs:
        shape = tf.TensorShape(None if spec.shape.rank is None else [None] * spec.shape.rank)
        arrays.append(tf.TensorArray(spec.dtype, size=0, dynamic_size=True, element_shape=shape))
    return arrays


def stack_all(arrays: list) -> list:
    """Stack each accumulated scan output. After zero iterations the element shape may be partly
    unknown; the empty result then gets 0 for those dimensions (it has no elements either way)."""
    def stack(array):
        shape = array.element_shape
        if shape.is_fully_defined():
            return array.stack()
        empty_shape = [0] + [0 if d is None else d for d in shape.as_list()] if shape.rank is not None else [0]
        return tf.cond(array.size() > 0, array.stack, lambda: tf.zeros(empty_shape, array.dtype))
    return [stack(array) for array in arrays]


def write_all(arrays: list, index, values: list) -> list:
    return [array.write(tf.cast(index, tf.int32), value) for array, value in zip(arrays, values)]


_FOLDABLE = {"Equal": np.equal, "NotEqual": np.not_equal, "Less": np.less, "LessEqual": np.less_equal,
             "Greater": np.greater, "GreaterEqual": np.greater_equal, "LogicalAnd": np.logical_and,
             "LogicalOr": np.logical_or, "LogicalNot": np.logical_not}
_PASS_THROUGH = {"Identity", "Cast", "Reshape", "Squeeze", "ExpandDims"}


def static_condition(tensor, depth: int = 8):
    """The value of a boolean tensor when it is known while building the graph: tf.get_static_value,
    plus comparisons and logic of such values (it does not fold those), e.g. Equal(Size(x), 4) in
    expanded function bodies. None when it depends on run-time data."""
    value = tf.get_static_value(tensor)
    if value is not None or depth == 0 or not hasattr(tensor, "op") or tf.executing_eagerly():
        return value
    op = tensor.op
    if op.type in _PASS_THROUGH:
        inner = static_condition(op.inputs[0], depth - 1)
        return None if inner is None else np.asarray(inner).astype(tensor.dtype.as_numpy_dtype).reshape(
            [d if d is not None else -1 for d in tensor.shape.as_list()] if tensor.shape.rank is not None else -1)
    if op.type in _FOLDABLE:
        operands = [static_condition(t, depth - 1) for t in op.inputs]
        if all(o is not None for o in operands):
            return _FOLDABLE[op.type](*operands)
    return None
