"""NegativeLogLikelihoodLoss: input holds log-probabilities with classes on axis 1."""
from converter.tf_ops._loss import nll_loss
from converter.tf_ops.registry import tf_op


@tf_op("NegativeLogLikelihoodLoss", since=12)
def negative_log_likelihood_loss_12(ctx, node):
    return [nll_loss(node, node.inputs[0], node.inputs[1], node.input(2))]
