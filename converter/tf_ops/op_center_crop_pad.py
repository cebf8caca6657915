"""CenterCropPad (opset 18): crop or zero-pad the listed axes to `shape`, centred (odd extra goes to the end)."""
import tensorflow as tf

from converter.tf_ops._util import normalize_axis
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("CenterCropPad", since=18)
def center_crop_pad_18(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    rank = data.shape.rank
    axes = [normalize_axis(a, rank) for a in (node.attr("axes") or range(rank))]
    target = tf.cast(tf.reshape(node.inputs[1], [-1]), tf.int64)
    shape = tf.shape(data, out_type=tf.int64)
    for i, axis in enumerate(axes):
        size, wanted = shape[axis], target[i]
        crop = tf.maximum(size - wanted, 0)
        pad = tf.maximum(wanted - size, 0)
        begin = tf.scatter_nd([[axis]], [crop // 2], [rank])
        end = tf.tensor_scatter_nd_update(tf.shape(data, out_type=tf.int64), [[axis]],
                                          [crop // 2 + tf.minimum(size, wanted)])
        data = tf.strided_slice(data, begin, end)
        paddings = tf.scatter_nd([[axis]], [tf.stack([pad // 2, pad - pad // 2])], [rank, 2])
        data = tf.pad(data, paddings)
    return [data]
