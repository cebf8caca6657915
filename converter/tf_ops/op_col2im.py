"""Col2Im (opset 18): sum sliding-window columns [N, C*prod(block), L] back into an image [N, C, *image_shape]
(the inverse layout of im2col / torch.nn.Fold), via a segment sum over computed padded-image positions."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Col2Im", since=18)
def col2im_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    image = tf.cast(tf.reshape(node.inputs[1], [-1]), tf.int64)
    block = tf.cast(tf.reshape(node.inputs[2], [-1]), tf.int64)
    rank = int(node.inputs[1].shape[0])
    dilations = list(node.attr("dilations") or [1] * rank)
    strides = list(node.attr("strides") or [1] * rank)
    pads = list(node.attr("pads") or [0] * (2 * rank))
    padded = [image[d] + pads[d] + pads[rank + d] for d in range(rank)]
    positions = [(padded[d] - dilations[d] * (block[d] - 1) - 1) // strides[d] + 1 for d in range(rank)]
    grids = tf.meshgrid(*[tf.range(block[d]) for d in range(rank)], *[tf.range(positions[d]) for d in range(rank)],
                        indexing="ij")
    target = tf.zeros_like(grids[0])
    for d in range(rank):                                   # row-major flat index into the padded image
        target = target * padded[d] + grids[d] * dilations[d] + grids[rank + d] * strides[d]
    shape = tf.shape(data, out_type=tf.int64)
    batch, channels = shape[0], shape[1] // tf.reduce_prod(block)
    columns = tf.reshape(data, tf.stack([batch, channels, -1]))                 # [N, C, K*L]
    columns = tf.transpose(columns, [2, 0, 1])                                   # [K*L, N, C]
    summed = tf.math.unsorted_segment_sum(columns, tf.reshape(target, [-1]), tf.reduce_prod(tf.stack(padded)))
    summed = tf.reshape(summed, tf.concat([tf.stack(padded), tf.stack([batch, channels])], 0))
    summed = tf.transpose(summed, [rank, rank + 1] + list(range(rank)))
    begin = tf.constant([0, 0] + pads[:rank], tf.int64)
    end = tf.concat([tf.stack([batch, channels]), tf.stack(padded) - tf.constant(pads[rank:], tf.int64)], 0)
    return [tf.strided_slice(summed, begin, end)]
