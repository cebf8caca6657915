"""GridSample (opset 16: 2-D bilinear/nearest/bicubic; opset 20: N-D linear/nearest/cubic), following
onnx/reference/ops/op_grid_sample.py: denormalize, fix out-of-border coordinates (border clamp or
reflection), then fetch 1/2/4 taps per spatial axis with zeros/border/reflection padding per tap."""
import itertools

import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_MODES = {"bilinear": "linear", "bicubic": "cubic", "linear": "linear", "cubic": "cubic", "nearest": "nearest"}


def _reflect(x, low, high):
    span = high - low
    below, above = low - x, x - high
    def fold(distance, from_edge, other_edge, sign):
        turns = tf.floor(distance / span)
        rest = distance - turns * span
        even = tf.equal(tf.math.floormod(turns, 2), 0)
        return tf.where(even, from_edge + sign * rest, other_edge - sign * rest)
    return tf.where(x < low, fold(below, low, high, 1.0), tf.where(x > high, fold(above, high, low, -1.0), x))


def _cubic_weights(t):
    a = -0.75
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1
    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _axis_taps(x, mode):
    """[(integer tap position, weight)] along one axis."""
    if mode == "nearest":
        return [(x, None)]
    base = tf.floor(x)
    t = x - base
    if mode == "linear":
        return [(base, 1 - t), (base + 1, t)]
    return [(base + offset, w) for offset, w in zip((-1, 0, 1, 2), _cubic_weights(t))]


def _fetch(channels_last, positions, sizes, padding, borders):
    """Values at integer positions (one float tensor [N, *O] per spatial axis) -> [N, *O, C]."""
    valid = None
    indices = []
    for position, size, (low, high) in zip(positions, sizes, borders):
        if padding == "reflection":
            position = _reflect(position, low, high)
        index = tf.cast(position, tf.int64)               # truncation, as the reference's int()
        inside = (index >= 0) & (index < size)
        valid = inside if valid is None else valid & inside
        indices.append(tf.clip_by_value(index, 0, size - 1))
    values = tf.gather_nd(channels_last, tf.stack(indices, axis=-1), batch_dims=1)
    if padding == "zeros":
        values = tf.where(valid[..., None], values, tf.zeros_like(values))
    return values


def grid_sample(node, data, grid, mode, padding, align_corners):
    rank = data.shape.rank - 2
    work = tf.float64 if data.dtype == tf.float64 else tf.float32
    shape = tf.shape(data, out_type=tf.int64)
    sizes = [shape[2 + i] for i in range(rank)]
    channels_last = tf.cast(tf.transpose(data, [0] + list(range(2, rank + 2)) + [1]), work)
    grid = tf.cast(grid, work)
    coordinates, borders = [], []
    for i in range(rank):
        length = tf.cast(sizes[i], work)
        normalized = grid[..., rank - 1 - i]
        if align_corners:
            x, low, high = (normalized + 1) / 2 * (length - 1), tf.constant(0.0, work), length - 1
        else:
            x, low, high = ((normalized + 1) * length - 1) / 2, tf.constant(-0.5, work), length - 0.5
        if mode == "nearest":
            x = tf.round(x)                                # half to even, as numpy's rint
        if padding == "border" and mode != "cubic":   # cubic clamps each tap, as PyTorch and onnxruntime do
            x = tf.where((x < low) | (x > high), tf.clip_by_value(x, 0, length - 1), x)
        elif padding == "reflection":
            x = _reflect(x, low, high)
        coordinates.append(x)
        borders.append((low, high))
    result = None
    for combination in itertools.product(*[_axis_taps(x, mode) for x in coordinates]):
        values = _fetch(channels_last, [p for p, _ in combination], sizes, padding, borders)
        for _, weight in combination:
            if weight is not None:
                values = values * weight[..., None]
        result = values if result is None else result + values
    perm = [0, rank + 1] + list(range(1, rank + 1))
    return tf.cast(tf.transpose(result, perm), data.dtype)


@tf_op("GridSample", since=16)
def grid_sample_16(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    mode = _MODES.get(node.attr("mode", "bilinear" if node.opset < 20 else "linear"))
    padding = node.attr("padding_mode", "zeros")
    if mode is None or padding not in ("zeros", "border", "reflection"):
        raise OpTranslationError(f"{node.describe()}: mode {node.attr('mode')!r} / padding_mode {padding!r} "
                                 "is not supported")
    return [grid_sample(node, node.inputs[0], node.inputs[1], mode, padding, bool(node.attr("align_corners", 0)))]
