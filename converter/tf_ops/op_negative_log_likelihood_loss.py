"""NegativeLogLikelihoodLoss: input holds log-probabilities with classes on axis 1."""
from converter.tf_ops._loss import nll_loss
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("NegativeLogLikelihoodLoss", since=12)
def negative_log_likelihood_loss_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [nll_loss(node, node.inputs[0], node.inputs[1], node.input(2))]
