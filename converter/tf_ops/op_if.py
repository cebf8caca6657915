"""If: run then_branch or else_branch (subgraphs see the enclosing graph's values).

A condition known while building the graph translates only the branch taken (so branches may return
sequences of different lengths or optionals); otherwise tf.cond, with sequence outputs carried as
DynamicSequence and optional outputs as DynamicOptional so both branches have the same structure."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops import sequence
from converter.tf_ops._control_flow import static_condition
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.optional import make_dynamic
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("If", since=1)
def if_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    condition = tf.reshape(tf.cast(node.inputs[0], tf.bool), [])
    then_graph, else_graph = node.attr("then_branch"), node.attr("else_branch")
    static = static_condition(condition)
    if static is not None:
        return ctx.run_subgraph(then_graph if bool(static) else else_graph, [])

    def branch(graph):
        def run():
            return [_same_kind_in_both_branches(value, formal.type, node.describe())
                    for value, formal in zip(ctx.run_subgraph(graph, []), graph.output)]
        return run

    return list(tf.cond(condition, branch(then_graph), branch(else_graph)))


def _same_kind_in_both_branches(value, type_proto, what: str):
    """tf.cond needs both branches to return the same structure: optionals (declared in the branch's
    output type) become DynamicOptional, sequences DynamicSequence."""
    if type_proto.WhichOneof("value") == "optional_type":
        return make_dynamic(value, type_proto, what)
    if value is None:
        raise OpTranslationError(f"{what}: a branch returns an empty optional but its output is not "
                                 "declared optional; only a condition known at conversion time supports that")
    return sequence.to_dynamic(value) if sequence.is_sequence(value) else value
