"""LinearAttention (opset 27): the recurrent state S [B, H_kv, d_k, d_v] is updated token by token
(tf.scan over time, so batch and length may be unknown) with update_rule
  linear:      S = S + k v^T                 gated:       S = exp(g) S + k v^T
  delta:       S = S + k (b (v - S^T k))^T   gated_delta: S = exp(g) S, then the delta rule
and each output is o = scale * q^T S (KV heads shared by q_num_heads/kv_num_heads query heads).
Computed in float32 like onnx's reference; present_state takes past_state's (or query's) type."""
import math

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_RULES = {"linear": (False, False), "gated": (True, False), "delta": (False, True), "gated_delta": (True, True)}


def _time_major_heads(x, heads):
    """[B, T, heads*D] -> [T, B, heads, D] in float32."""
    shape = tf.shape(x)
    return tf.transpose(tf.reshape(tf.cast(x, tf.float32), tf.stack([shape[0], shape[1], heads, -1])), [1, 0, 2, 3])


def _check_gates(node, gating, delta, decay, beta):
    rule = node.attr("update_rule", "gated_delta")
    if gating != (decay is not None) or delta != (beta is not None):
        raise OpTranslationError(f"{node.describe()}: update_rule {rule!r} needs decay={gating} and "
                                 f"beta={delta}, got decay={decay is not None} beta={beta is not None}")


@tf_op("LinearAttention", since=27)
def linear_attention_27(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    query, key, value, past, decay, beta = (node.input(i) for i in range(6))
    rule = node.attr("update_rule", "gated_delta")
    if rule not in _RULES:
        raise OpTranslationError(f"{node.describe()}: update_rule {rule!r} is not linear/gated/delta/gated_delta")
    gating, delta = _RULES[rule]
    _check_gates(node, gating, delta, decay, beta)
    q_heads, kv_heads = int(node.attr("q_num_heads")), int(node.attr("kv_num_heads"))
    q, k, v = _time_major_heads(query, q_heads), _time_major_heads(key, kv_heads), _time_major_heads(value, kv_heads)
    d_k = query.shape[-1] // q_heads if query.shape[-1] else None
    scale = node.attr("scale", 0.0) or (1 / math.sqrt(d_k) if d_k else tf.math.rsqrt(tf.cast(tf.shape(q)[-1], tf.float32)))
    elems = {"q": q, "k": k, "v": v}
    if gating:
        elems["g"] = _time_major_heads(decay, kv_heads)                  # [T, B, H_kv, 1 or d_k]
    if delta:
        if beta.shape[-1] is None:
            raise OpTranslationError(f"{node.describe()}: beta's last dimension (H_kv or 1) must be known")
        elems["b"] = _time_major_heads(beta, beta.shape[-1])              # [T, B, H_kv or 1, 1]
    shape_q, shape_v = tf.shape(q), tf.shape(v)
    if past is None:
        state = tf.zeros(tf.stack([shape_q[1], kv_heads, tf.shape(k)[-1], shape_v[-1]]), tf.float32)
    else:
        state = tf.cast(past, tf.float32)
    group = q_heads // kv_heads

    def step(carry, x):
        state = carry[0]
        v_t = x["v"]
        if gating:
            state = state * tf.exp(x["g"])[..., None]
        if delta:
            v_t = x["b"] * (v_t - tf.einsum("bhdm,bhd->bhm", state, x["k"]))
        state = state + x["k"][..., :, None] * v_t[..., None, :]
        read = state if group == 1 else tf.repeat(state, group, axis=1)
        return state, tf.cast(scale, tf.float32) * tf.einsum("bhd,bhdm->bhm", x["q"], read)

    initial_out = tf.zeros(tf.stack([shape_q[1], q_heads, shape_v[-1]]), tf.float32)
    states, outputs = tf.scan(step, elems, initializer=(state, initial_out))
    out = tf.transpose(outputs, [1, 0, 2, 3])                                # [B, T, H_q, d_v]
    out_shape = tf.shape(out)
    out = tf.reshape(out, tf.stack([out_shape[0], out_shape[1], -1]))
    state_dtype = query.dtype if past is None else past.dtype
    return [tf.cast(out, query.dtype), tf.cast(states[-1], state_dtype)]
