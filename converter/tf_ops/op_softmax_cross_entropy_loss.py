"""SoftmaxCrossEntropyLoss: NLL of log_softmax over axis 1; the optional second output is the
log-probabilities."""
import tensorflow as tf

from converter.tf_ops._loss import nll_loss
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("SoftmaxCrossEntropyLoss", since=12)
def softmax_cross_entropy_loss_12(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    scores = node.inputs[0]
    log_prob = tf.nn.log_softmax(scores, axis=1)
    return [nll_loss(node, log_prob, node.inputs[1], node.input(2)), log_prob]
