"""Negative log-likelihood over class axis 1, shared by NegativeLogLikelihoodLoss and
SoftmaxCrossEntropyLoss (which applies it to log_softmax of its input)."""
from __future__ import annotations

import tensorflow as tf

from converter.errors import OpTranslationError


def nll_loss(node, log_prob, target, weight):
    """Loss per ONNX: -log_prob[n, target, ...] * weight[target]; samples whose target equals
    ignore_index contribute 0 and are left out of the "mean" denominator."""
    reduction = node.attr("reduction", "mean")
    if reduction not in ("none", "sum", "mean"):
        raise OpTranslationError(f"{node.describe()}: reduction={reduction!r} is not one of none/sum/mean")
    ignore_index = node.attr("ignore_index")
    target = tf.cast(target, tf.int64)
    keep = tf.ones_like(target, dtype=tf.bool) if ignore_index is None else tf.not_equal(target, ignore_index)
    safe_target = tf.where(keep, target, tf.zeros_like(target))
    rank = log_prob.shape.rank
    classes_last = tf.transpose(log_prob, [0] + list(range(2, rank)) + [1])
    picked = tf.gather(classes_last, safe_target[..., None], axis=-1, batch_dims=rank - 1)[..., 0]
    sample_weight = tf.cast(keep, log_prob.dtype)
    if weight is not None:
        sample_weight = sample_weight * tf.gather(weight, safe_target)
    loss = -picked * sample_weight
    if reduction == "none":
        return loss
    total = tf.reduce_sum(loss)
    if reduction == "sum":
        return total
    return total / tf.reduce_sum(sample_weight)
