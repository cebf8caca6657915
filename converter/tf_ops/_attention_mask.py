"""The additive attention bias of the Attention op: attn_mask, is_causal (bottom-right aligned),
sliding window, and nonpad_kv_seqlen padding. 0 where a key may be attended, -inf elsewhere."""
from __future__ import annotations

import tensorflow as tf


def attention_bias(node, mask, q_len, kv_len, past_len, nonpad, dtype):
    """A bias broadcastable to [batch, heads, q_len, kv_len]."""
    neg_inf = tf.constant(float("-inf"), dtype)
    bias = tf.zeros(tf.stack([q_len, kv_len]), dtype)
    if mask is not None:
        bias = bias + _additive_mask(_pad_mask(mask, kv_len), dtype)
    # The causal / window frontier is offset by the cached length; with an external cache
    # (nonpad_kv_seqlen and no past) it is per batch: nonpad - q_len.
    if past_len is None and nonpad is not None:
        offset = tf.reshape(tf.cast(nonpad, tf.int32), [-1, 1, 1, 1]) - q_len
    else:
        offset = past_len if past_len is not None else tf.constant(0, tf.int32)
    query = tf.range(q_len)[:, None]
    key = tf.range(kv_len)[None, :]
    distance = query + offset - key                       # query position minus key position
    allowed = None
    if node.attr("is_causal", 0):
        allowed = distance >= 0
    left, right = node.attr("left_window_size", -1), node.attr("right_window_size", -1)
    if left >= 0:
        allowed = _and(allowed, distance <= left)
    if right >= 0:
        allowed = _and(allowed, -distance <= right)
    if allowed is not None:
        bias = bias + tf.where(allowed, tf.zeros([], dtype), neg_inf)
    if nonpad is not None:
        valid = tf.range(kv_len, dtype=tf.int64)[None, :] < tf.cast(tf.reshape(nonpad, [-1, 1]), tf.int64)
        bias = bias + tf.reshape(tf.where(valid, tf.zeros([], dtype), neg_inf), tf.stack([-1, 1, 1, kv_len]))
    return bias


def _and(a, b):
    return b if a is None else tf.logical_and(a, b)


def _pad_mask(mask, kv_len):
    """A mask shorter than the keys (past + current) is padded at the end with 'not attended'."""
    pad = kv_len - tf.shape(mask)[-1]
    rank = mask.shape.rank
    paddings = tf.concat([tf.zeros([rank - 1, 2], tf.int32), tf.reshape(tf.stack([0, pad]), [1, 2])], axis=0)
    fill = False if mask.dtype == tf.bool else float("-inf")
    return tf.pad(mask, paddings, constant_values=tf.constant(fill, mask.dtype))


def _additive_mask(mask, dtype):
    if mask.dtype == tf.bool:
        return tf.where(mask, tf.zeros([], dtype), tf.constant(float("-inf"), dtype))
    return tf.cast(mask, dtype)
