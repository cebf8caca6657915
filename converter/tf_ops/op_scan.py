"""Scan (opset 9+): run `body` once per slice of the scan inputs, carrying state variables.

Inputs: N initial states, then `num_scan_inputs` scan inputs sliced along scan_input_axes (reversed
where scan_input_directions is 1). Body: (states..., slices...) -> (states..., scan output slices...);
scan outputs are stacked along scan_output_axes (reversed where scan_output_directions is 1).
Opset 11 added negative axes, handled for every version; 16+ only added types. The sequence length
may be dynamic. Opset 8 differs: every input has a leading batch axis, the time axis is 1, and an
optional first input sequence_lens; it runs the same scan once per batch element (tf.map_fn) and
supports sequence_lens only when it is omitted."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._control_flow import (element_type_of, learn_invariants, match_loop_types, new_accumulators,
                                            stack_all, unknown, write_all)
from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_moveaxis = tf.experimental.numpy.moveaxis


@tf_op("Scan", since=8)
def scan_8(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    if node.input(0) is not None:
        raise OpTranslationError(f"{node.describe()}: sequence_lens is not supported; re-export at opset 9+")
    body = node.attr("body")
    scan_count = node.attr("num_scan_inputs")
    values = tuple(tf.convert_to_tensor(v) for v in node.inputs[1:])
    state_count = len(values) - scan_count
    directions = node.attr("directions") or [0] * scan_count
    forward = [0] * (len(body.output) - state_count)

    def one_batch_element(elements):
        sequences = [tf.reverse(x, [0]) if reverse else x for x, reverse in zip(elements[state_count:], directions)]
        return tuple(_scan(ctx, node, list(elements[:state_count]), sequences, forward, forward))

    signature = tuple(tf.TensorSpec(None, element_type_of(o.type)) for o in body.output)
    return list(tf.map_fn(one_batch_element, values, fn_output_signature=signature))


@tf_op("Scan", since=9)
def scan_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    scan_count = node.attr("num_scan_inputs")
    state_count = len(node.inputs) - scan_count
    output_count = len(node.attr("body").output) - state_count
    sequences = [_to_time_major(x, axis, reverse) for x, axis, reverse in zip(
        node.inputs[state_count:], node.attr("scan_input_axes") or [0] * scan_count,
        node.attr("scan_input_directions") or [0] * scan_count)]
    initial = [tf.convert_to_tensor(v) for v in node.inputs[:state_count]]
    return _scan(ctx, node, initial, sequences, node.attr("scan_output_axes") or [0] * output_count,
                 node.attr("scan_output_directions") or [0] * output_count)


def _scan(ctx, node, initial: list, sequences: list, output_axes: list, output_directions: list) -> list:
    """States after the scan, then the scan outputs; `sequences` are time-major and in scan order."""
    body = node.attr("body")
    what = node.describe()
    state_count = len(initial)
    length = tf.shape(sequences[0], out_type=tf.int64)[0]

    def run_body(i, states):
        outputs = ctx.run_subgraph(body, [*states, *[tf.gather(s, i) for s in sequences]])
        return match_loop_types(states, outputs[:state_count], what), outputs[state_count:]

    start = tf.constant(0, tf.int64)
    state_shapes, trial_scans = learn_invariants(lambda states: run_body(unknown(start), states), initial)

    def step(i, states, arrays):
        states, scans = run_body(i, list(states))
        return i + 1, states, write_all(arrays, i, scans)

    arrays = new_accumulators(trial_scans)
    _, final, arrays = tf.while_loop(
        lambda i, *_: i < length, step, (start, initial, arrays),
        shape_invariants=(tf.TensorShape([]), state_shapes, [tf.TensorShape(None)] * len(arrays)))
    scans = [_from_time_major(stacked, axis, reverse)
             for stacked, axis, reverse in zip(stack_all(arrays), output_axes, output_directions)]
    return [*final, *scans]


def _to_time_major(tensor, axis: int, reverse: int):
    tensor = _moveaxis(tensor, normalize_axis(axis, tensor.shape.rank), 0)
    return tf.reverse(tensor, [0]) if reverse else tensor


def _from_time_major(stacked, axis: int, reverse: int):
    if reverse:
        stacked = tf.reverse(stacked, [0])
    return _moveaxis(stacked, 0, normalize_axis(axis, stacked.shape.rank))
