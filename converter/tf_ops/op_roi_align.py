"""RoiAlign (opset 10; half_pixel coordinates default since 16): per ROI, average (or the reference's
max-of-weighted-corners) of bilinear samples on a grid of sampling_ratio (or ceil(roi/bin)) points per bin.
Follows onnx/reference/ops/op_roi_align.py; runs one ROI at a time since the adaptive grid varies per ROI."""
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _axis_samples(start, bin_size, bins: int, grid, limit):
    """Sample positions along one axis: low/high indices, weights, and validity, each [bins * grid]."""
    bin_index = tf.cast(tf.repeat(tf.range(bins), grid), start.dtype)
    within = tf.cast(tf.tile(tf.range(grid), [bins]), start.dtype)
    position = start + bin_index * bin_size + (within + 0.5) * bin_size / tf.cast(grid, start.dtype)
    size = tf.cast(limit, start.dtype)
    valid = (position >= -1.0) & (position <= size)
    position = tf.maximum(position, 0.0)
    low = tf.floor(position)
    at_edge = low >= size - 1
    low = tf.where(at_edge, size - 1, low)
    position = tf.where(at_edge, low, position)
    high = tf.where(at_edge, low, low + 1)
    frac = position - low
    return tf.cast(low, tf.int64), tf.cast(high, tf.int64), 1.0 - frac, frac, valid


def _one_roi(features, roi, batch, spatial_scale, half_pixel, bins_h, bins_w, sampling_ratio, mode):
    offset = 0.5 if half_pixel else 0.0
    x1, y1, x2, y2 = tf.unstack(roi * spatial_scale - offset)
    width, height = x2 - x1, y2 - y1
    if not half_pixel:
        width, height = tf.maximum(width, 1.0), tf.maximum(height, 1.0)
    if sampling_ratio > 0:
        grid_h = grid_w = tf.constant(sampling_ratio, tf.int32)
    else:
        grid_h = tf.cast(tf.math.ceil(height / bins_h), tf.int32)
        grid_w = tf.cast(tf.math.ceil(width / bins_w), tf.int32)
    image = features[batch]                                              # [C, H, W]
    shape = tf.shape(image)
    ys = _axis_samples(y1, height / bins_h, bins_h, grid_h, shape[1])
    xs = _axis_samples(x1, width / bins_w, bins_w, grid_w, shape[2])
    valid = tf.cast(ys[4][:, None] & xs[4][None, :], image.dtype)
    corners = []
    for y_index, y_weight in ((ys[0], ys[2]), (ys[1], ys[3])):
        rows = tf.gather(image, y_index, axis=1)
        for x_index, x_weight in ((xs[0], xs[2]), (xs[1], xs[3])):
            weight = y_weight[:, None] * x_weight[None, :] * valid
            corners.append(tf.gather(rows, x_index, axis=2) * weight)
    channels = shape[0]
    grid_shape = tf.stack([channels, bins_h, grid_h, bins_w, grid_w])
    if mode == "avg":
        total = tf.reshape(tf.add_n(corners), grid_shape)
        count = tf.cast(tf.maximum(grid_h * grid_w, 1), image.dtype)
        return tf.reduce_sum(total, axis=[2, 4]) / count
    best = tf.reshape(tf.reduce_max(tf.stack(corners), axis=0), grid_shape)
    return tf.reduce_max(best, axis=[2, 4])


@tf_op("RoiAlign", since=10)
def roi_align_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    features, rois, batch_indices = node.inputs
    mode = node.attr("mode", "avg")
    transform = node.attr("coordinate_transformation_mode", "output_half_pixel")
    if mode not in ("avg", "max") or transform not in ("half_pixel", "output_half_pixel"):
        raise OpTranslationError(f"{node.describe()}: mode {mode!r} / coordinate_transformation_mode "
                                 f"{transform!r} is not supported")
    work = tf.float64 if features.dtype == tf.float64 else tf.float32
    features_w, rois_w = tf.cast(features, work), tf.cast(rois, work)
    batch_indices = tf.cast(batch_indices, tf.int64)
    args = (float(node.attr("spatial_scale", 1.0)), transform == "half_pixel", node.attr("output_height", 1),
            node.attr("output_width", 1), int(node.attr("sampling_ratio", 0)), mode)
    pooled = tf.map_fn(lambda item: _one_roi(features_w, item[0], item[1], *args), (rois_w, batch_indices),
                       fn_output_signature=tf.TensorSpec([None, args[2], args[3]], work))
    return [tf.cast(pooled, features.dtype)]
