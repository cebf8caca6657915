"""RotaryEmbedding (opset 23). Input [batch, heads, seq, head_size] or [batch, seq, hidden] with
num_heads; cos/sin caches [max_pos, rot/2] indexed by position_ids [batch, seq], or already
[batch, seq, rot/2] without position_ids. Rotates the first rotary_embedding_dim features, as halves
or (interleaved=1) as even/odd pairs."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("RotaryEmbedding", since=23)
def rotary_embedding_23(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, cos, sin, position_ids = node.inputs[0], node.inputs[1], node.inputs[2], node.input(3)
    rank = x.shape.rank
    if rank == 4:
        heads_last = tf.transpose(x, [0, 2, 1, 3])                       # [batch, seq, heads, head]
    elif rank == 3:
        num_heads = node.attr("num_heads", 0)
        if not num_heads:
            raise OpTranslationError(f"{node.describe()}: a 3-D input needs the num_heads attribute")
        shape = tf.shape(x)
        heads_last = tf.reshape(x, tf.stack([shape[0], shape[1], num_heads, -1]))
    else:
        raise OpTranslationError(f"{node.describe()}: input must be 3-D or 4-D, got rank {rank}")
    if position_ids is not None:
        cos, sin = tf.gather(cos, position_ids), tf.gather(sin, position_ids)
    cos, sin = cos[:, :, None, :], sin[:, :, None, :]                   # broadcast over heads
    rotary_dim = node.attr("rotary_embedding_dim", 0) or heads_last.shape[-1]
    if rotary_dim is None:
        rotary_dim = 2 * cos.shape[-1]
    rotate, keep = heads_last[..., :rotary_dim], heads_last[..., rotary_dim:]
    if node.attr("interleaved", 0):
        x1, x2 = rotate[..., 0::2], rotate[..., 1::2]
    else:
        x1, x2 = tf.split(rotate, 2, axis=-1)
    real, imag = cos * x1 - sin * x2, sin * x1 + cos * x2
    if node.attr("interleaved", 0):
        rotated = tf.reshape(tf.stack([real, imag], axis=-1), tf.shape(rotate))
    else:
        rotated = tf.concat([real, imag], axis=-1)
    out = tf.concat([rotated, keep], axis=-1)
    if rank == 4:
        return [tf.transpose(out, [0, 2, 1, 3])]
    return [tf.reshape(out, tf.shape(x))]
