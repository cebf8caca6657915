"""SequenceMap: apply the `body` graph to each element (inputs: sequences, or tensors given whole
to every iteration). Static-length sequences are mapped by unrolling; dynamic ones by a while loop
that builds DynamicSequence outputs."""
import tensorflow as tf

from converter.tf_ops import sequence
from converter.tf_ops._control_flow import element_type_of
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SequenceMap", since=17)
def sequence_map_17(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    body = node.attr("body")
    inputs = node.inputs
    if all(isinstance(v, list) or not sequence.is_sequence(v) for v in inputs):
        count = len(inputs[0])
        outputs = [[] for _ in body.output]
        for i in range(count):
            args = [v[i] if isinstance(v, list) else v for v in inputs]
            for out, value in zip(outputs, ctx.run_subgraph(body, args)):
                out.append(value)
        return outputs
    return _map_dynamic(ctx, body, inputs)


def _map_dynamic(ctx, body, inputs):
    count = sequence.length(inputs[0])
    initial = [sequence.empty_sequence(element_type_of(o.type)) for o in body.output]

    def step(i, *outs):
        args = [sequence.at(v, i) if sequence.is_sequence(v) else v for v in inputs]
        results = ctx.run_subgraph(body, args)
        return (i + 1, *[sequence.insert(o, r) for o, r in zip(outs, results)])

    result = tf.while_loop(lambda i, *_: i < count, step, (tf.constant(0, tf.int64), *initial))
    return list(result[1:])
