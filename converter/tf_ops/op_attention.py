"""Attention (opsets 23-25): scaled dot-product attention with 3-D ([batch, seq, heads*size]) or
4-D ([batch, heads, seq, size]) inputs, GQA/MQA head sharing, KV cache (past/present), masks,
causal and sliding-window masking, softcap, softmax_precision and the optional qk output.
Fully masked query rows give zeros, as onnx specifies."""
import math

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops._attention_mask import attention_bias
from converter.tf_ops._transpose import transpose
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.dtypes import tf_dtype
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _split_heads(x, heads, what, node):
    if not heads:
        raise OpTranslationError(f"{node.describe()}: 3-D inputs need the {what} attribute")
    shape = tf.shape(x)
    return transpose(tf.reshape(x, tf.stack([shape[0], shape[1], heads, -1])), [0, 2, 1, 3])


def _share_kv_heads(k, v, q):
    """GQA/MQA: repeat each key/value head so every query head has one (np.repeat order)."""
    q_heads, kv_heads = q.shape[1], k.shape[1]
    if q_heads is not None and kv_heads is not None:
        if q_heads == kv_heads:
            return k, v
        repeats = q_heads // kv_heads
    else:
        repeats = tf.shape(q)[1] // tf.shape(k)[1]
    return tf.repeat(k, repeats, axis=1), tf.repeat(v, repeats, axis=1)


def _masked_softmax(scores, bias):
    """Softmax that tolerates rows of -inf, then zeroes rows whose bias masks every key."""
    row_max = tf.reduce_max(scores, axis=-1, keepdims=True)
    safe_max = tf.where(tf.math.is_inf(row_max) & (row_max < 0), tf.zeros_like(row_max), row_max)
    exp = tf.exp(scores - safe_max)
    total = tf.reduce_sum(exp, axis=-1, keepdims=True)
    probs = exp / tf.where(tf.equal(total, 0), tf.ones_like(total), total)
    bias_max = tf.reduce_max(bias, axis=-1, keepdims=True)
    fully_masked = tf.math.is_inf(bias_max) & (bias_max < 0)
    return tf.where(fully_masked, tf.zeros([], probs.dtype), probs)


@tf_op("Attention", since=23)
def attention_23(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    q, k, v = node.inputs[:3]
    mask, past_k, past_v, nonpad = node.input(3), node.input(4), node.input(5), node.input(6)
    three_d = q.shape.rank == 3
    if three_d:
        q = _split_heads(q, node.attr("q_num_heads"), "q_num_heads", node)
        k = _split_heads(k, node.attr("kv_num_heads"), "kv_num_heads", node)
        v = _split_heads(v, node.attr("kv_num_heads"), "kv_num_heads", node)
    present_k = k if past_k is None else tf.concat([past_k, k], axis=2)
    present_v = v if past_v is None else tf.concat([past_v, v], axis=2)
    out_dtype = q.dtype
    # Half precision is computed in float32 and rounded once at the end: closer to the exact
    # result than rounding every step (and within the onnx tests' tolerance, unlike that).
    dtype = tf.float32 if out_dtype in (tf.float16, tf.bfloat16) else out_dtype
    q, k_all, v_all = (tf.cast(t, dtype) for t in (q, present_k, present_v))
    if mask is not None and mask.dtype in (tf.float16, tf.bfloat16):
        mask = tf.cast(mask, dtype)
    scale = node.attr("scale")
    if scale is None:
        head_size = q.shape[-1]
        scale = 1 / math.sqrt(head_size) if head_size else tf.math.rsqrt(tf.cast(tf.shape(q)[-1], tf.float64))
    root_scale = tf.cast(tf.sqrt(tf.cast(scale, tf.float64)), dtype)   # scale Q and K by sqrt(scale) each
    q_len, kv_len = tf.shape(q)[2], tf.shape(present_k)[2]
    past_len = None if past_k is None else tf.shape(past_k)[2]
    bias = attention_bias(node, mask, q_len, kv_len, past_len, nonpad, dtype)
    k_all, v_all = _share_kv_heads(k_all, v_all, q)
    raw = tf.linalg.matmul(q * root_scale, k_all * root_scale, transpose_b=True)
    softcap = node.attr("softcap", 0.0)
    capped = tf.cast(softcap, dtype) * tf.tanh(raw / tf.cast(softcap, dtype)) if softcap > 0 else raw
    with_bias = capped + bias
    precision = node.attr("softmax_precision")
    softmax_input = with_bias if precision is None else tf.cast(with_bias, tf_dtype(precision))
    probs = tf.cast(_masked_softmax(softmax_input, tf.cast(bias, softmax_input.dtype)), dtype)
    mode = node.attr("qk_matmul_output_mode", 0)
    qk_output = {0: raw, 1: capped, 2: with_bias, 3: probs}.get(mode)
    if qk_output is None:
        raise OpTranslationError(f"{node.describe()}: qk_matmul_output_mode={mode} is not one of 0-3")
    y = tf.linalg.matmul(probs, v_all)
    if three_d:
        shape = tf.shape(y)
        y = tf.reshape(transpose(y, [0, 2, 1, 3]), tf.stack([shape[0], shape[2], -1]))
    return [tf.cast(y, out_dtype), present_k, present_v, tf.cast(qk_output, out_dtype)]
