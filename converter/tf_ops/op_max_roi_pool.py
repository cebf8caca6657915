"""MaxRoiPool (opset 1): Caffe-style ROI max pooling. rois are [batch, x1, y1, x2, y2] in input pixels times
spatial_scale, rounded; each of the pooled_shape bins takes the max of its pixels (0 for an empty bin)."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _bin_masks(start, length, bins: int, size):
    """[bins, size] membership of input pixels in each bin (floor/ceil bin edges, clipped to the image)."""
    bin_size = tf.cast(length, tf.float32) / bins
    index = tf.range(bins, dtype=tf.float32)
    low = tf.clip_by_value(tf.cast(tf.floor(index * bin_size), tf.int32) + start, 0, size)
    high = tf.clip_by_value(tf.cast(tf.math.ceil((index + 1) * bin_size), tf.int32) + start, 0, size)
    pixels = tf.range(size)[None, :]
    return (pixels >= low[:, None]) & (pixels < high[:, None])


def _one_roi(features, roi, spatial_scale, pooled_h, pooled_w):
    batch = tf.cast(roi[0], tf.int32)
    x1, y1, x2, y2 = tf.unstack(tf.cast(tf.round(roi[1:] * spatial_scale), tf.int32))
    image = features[batch]                                        # [C, H, W]
    height, width = tf.shape(image)[1], tf.shape(image)[2]
    rows = _bin_masks(y1, tf.maximum(y2 - y1 + 1, 1), pooled_h, height)   # [ph, H]
    cols = _bin_masks(x1, tf.maximum(x2 - x1 + 1, 1), pooled_w, width)    # [pw, W]
    mask = rows[:, None, :, None] & cols[None, :, None, :]                 # [ph, pw, H, W]
    lowest = tf.constant(image.dtype.min, image.dtype)
    values = tf.where(mask[None], image[:, None, None, :, :], lowest)
    pooled = tf.reduce_max(values, axis=[3, 4])
    empty = ~tf.reduce_any(mask, axis=[2, 3])
    return tf.where(empty[None], tf.zeros_like(pooled), pooled)


@tf_op("MaxRoiPool", since=1)
def max_roi_pool_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    features, rois = node.inputs
    pooled_h, pooled_w = node.attr("pooled_shape")
    scale = float(node.attr("spatial_scale", 1.0))
    return [tf.map_fn(lambda roi: _one_roi(features, roi, scale, pooled_h, pooled_w), tf.cast(rois, features.dtype),
                      fn_output_signature=tf.TensorSpec([None, pooled_h, pooled_w], features.dtype))]
