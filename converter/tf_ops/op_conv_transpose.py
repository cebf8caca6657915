"""ConvTranspose: output_padding, output_shape, groups, dilations and auto_pad resolved to
begin-crop + output size, then TF's transposed conv channels-last."""
from converter.errors import OpTranslationError
from converter.tf_ops._conv import conv_transpose_channels_last, iohw_to_transpose_kernel
from converter.tf_ops._spatial import (Window, channels_first, channels_last, kernel_from_attr_or_weight,
                                       static_spatial)
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ConvTranspose", since=1)
def conv_transpose_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    x, weight, bias = node.input(0), node.input(1), node.input(2)
    kernel = kernel_from_attr_or_weight(node, weight.shape[2:])
    x_last = channels_last(x)
    window, extend, sizes = transpose_geometry(node, static_spatial(x_last), kernel)
    y = conv_transpose_channels_last(x_last, iohw_to_transpose_kernel(weight), bias, window,
                                     node.attr("group", 1), extend, sizes)
    return [channels_first(y)]


def transpose_geometry(node, spatial, kernel, dynamic_shape_axis: int = 2):
    """(window with begin crops, zero rows to append at the end, output sizes) as the ONNX reference
    computes them: output_shape or SAME_* decide the pads; otherwise pads and output_padding do."""
    rank = len(kernel)
    strides = list(node.attr("strides") or [1] * rank)
    dilations = list(node.attr("dilations") or [1] * rank)
    out_pad = list(node.attr("output_padding") or [0] * rank)[:rank]
    auto_pad = node.attr("auto_pad", "NOTSET")
    output_shape = list(node.attr("output_shape") or [])[-rank:] if node.attr("output_shape") else None
    pads = list(node.attr("pads") or [])
    full = [None if n is None else (n - 1) * s + (k - 1) * d + 1 + op
            for n, s, k, d, op in zip(spatial, strides, kernel, dilations, out_pad)]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER") or (output_shape and not pads and auto_pad == "NOTSET"):
        if any(f is None for f in full):
            raise OpTranslationError(f"{node.describe()}: output_shape/auto_pad need static spatial sizes")
        if output_shape is None:
            output_shape = [n * s for n, s in zip(spatial, strides)]
        totals = [f - o for f, o in zip(full, output_shape)]
        if auto_pad == "NOTSET":          # the reference pads nothing and cuts/extends at the end
            begin = [0] * rank
        elif auto_pad == "SAME_UPPER":
            begin = [t // 2 for t in totals]
        else:
            begin = [t - t // 2 for t in totals]
        sizes = list(output_shape)
    else:
        pads = pads or [0] * 2 * rank
        begin, end = pads[:rank], pads[rank:]
        sizes = [None if f is None else f - b - e for f, b, e in zip(full, begin, end)]
        if output_shape:
            sizes = list(output_shape)
        if any(s is None for s in sizes):
            return (Window(tuple(kernel), tuple(strides), tuple(dilations), tuple(begin), tuple(end)),
                    out_pad, _dynamic_sizes(node, kernel, strides, dilations, out_pad, begin, end,
                                                  dynamic_shape_axis))
    # zero rows past the natural end: output_padding, or whatever a larger output_shape asks for
    extend = [max(0, op, b + n - (f - op)) for op, b, n, f in zip(out_pad, begin, sizes, full)]
    return Window(tuple(kernel), tuple(strides), tuple(dilations), tuple(begin), (0,) * rank), extend, sizes


def _dynamic_sizes(node, kernel, strides, dilations, out_pad, begin, end, first_spatial_axis):
    """Output sizes as tensors when the input's spatial sizes are only known at run time."""
    import tensorflow as tf
    shape = tf.shape(node.input(0))
    return [(shape[i + first_spatial_axis] - 1) * s + (k - 1) * d + 1 + op - b - e
            for i, (s, k, d, op, b, e) in enumerate(zip(strides, kernel, dilations, out_pad, begin, end))]
