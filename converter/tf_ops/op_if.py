"""If: run then_branch or else_branch (subgraphs see the enclosing graph's values).

A condition known while building the graph translates only the branch taken (so branches may return
sequences of different lengths or optionals); otherwise tf.cond, with sequence outputs carried as
DynamicSequence so both branches have the same structure."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops._control_flow import static_condition
from converter.tf_ops.registry import tf_op


@tf_op("If", since=1)
def if_1(ctx, node):
    condition = tf.reshape(tf.cast(node.inputs[0], tf.bool), [])
    then_graph, else_graph = node.attr("then_branch"), node.attr("else_branch")
    static = static_condition(condition)
    if static is not None:
        return ctx.run_subgraph(then_graph if bool(static) else else_graph, [])

    def branch(graph):
        def run():
            outputs = ctx.run_subgraph(graph, [])
            if any(value is None for value in outputs):
                raise OpTranslationError(f"{node.describe()}: a branch returns an empty optional; "
                                         "only a condition known at conversion time supports that")
            return [sequence.to_dynamic(v) if sequence.is_sequence(v) else v for v in outputs]
        return run

    return list(tf.cond(condition, branch(then_graph), branch(else_graph)))
