"""Loop: a tf.while_loop over the `body` graph.

Runs while (max trip count M omitted or i < M) and (cond omitted or cond), cond checked before each
iteration. Body inputs: (iteration number, cond, loop-carried values...); outputs: (cond,
loop-carried values..., scan outputs...). Scan outputs are accumulated in TensorArrays and stacked on
a new first axis. Loop-carried sequences (opset 13+) become DynamicSequence so their length can change;
optionals (opset 16+) must be present when the loop starts. Values of the enclosing graph are visible
in the body (captured by the while loop). Shapes may change between iterations: see _control_flow.py.
"""
import tensorflow as tf

from converter.tf_ops._control_flow import (learn_invariants, loop_ready, match_loop_types, new_accumulators,
                                            stack_all, unknown, write_all)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Loop", since=1)
def loop_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    body = node.attr("body")
    what = node.describe()
    carried = node.inputs[2:]
    count = len(carried)
    initial = [loop_ready(value, body.input[2 + k].type, what) for k, value in enumerate(carried)]
    max_trip = node.input(0)
    limit = None if max_trip is None else tf.reshape(tf.cast(max_trip, tf.int64), [])
    cond0 = tf.constant(True) if node.input(1) is None else tf.reshape(tf.cast(node.inputs[1], tf.bool), [])
    start = tf.constant(0, tf.int64)

    def run_body(i, cond, values):
        outputs = ctx.run_subgraph(body, [i, cond, *values])
        return (tf.reshape(tf.cast(outputs[0], tf.bool), []),
                match_loop_types(values, outputs[1:1 + count], what), outputs[1 + count:])

    loop_shapes, trial_scans = learn_invariants(
        lambda values: run_body(unknown(start), unknown(cond0), values)[1:], initial)

    def keep_going(i, cond, values, arrays):
        return cond if limit is None else tf.logical_and(cond, i < limit)

    def step(i, cond, values, arrays):
        cond, values, scans = run_body(i, cond, list(values))
        return i + 1, cond, values, write_all(arrays, i, scans)

    arrays = new_accumulators(trial_scans)
    shapes = (tf.TensorShape([]), tf.TensorShape([]), loop_shapes,
              [tf.TensorShape(None)] * len(arrays))
    _, _, final, arrays = tf.while_loop(keep_going, step, (start, cond0, initial, arrays), shape_invariants=shapes)
    return [*final, *stack_all(arrays)]
