"""ReduceLogSum: axes were an attribute before opset 18 and an input since."""
from converter.tf_ops._reduce import reduce_log_sum_fn, reduce_with
from converter.tf_ops.registry import tf_op


@tf_op("ReduceLogSum", since=1)
def reduce_log_sum_1(ctx, node):
    return reduce_with(node, reduce_log_sum_fn, axes_from_input=False)


@tf_op("ReduceLogSum", since=18)
def reduce_log_sum_18(ctx, node):
    return reduce_with(node, reduce_log_sum_fn, axes_from_input=True)
