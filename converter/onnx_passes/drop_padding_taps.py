"""DropPaddingTapsPass: kernel taps of a Conv that read nothing but padding are cut from its kernel.

An atrous convolution whose dilation reaches past its input multiplies zeros at most taps: DeepLabV3's ASPP
branches at rates 24 and 36 on the 14x14 map of a 224x224 image read only padding at every tap but the
centre, so each 3x3 conv is really a 1x1 conv (9x fewer multiply-adds, and no padded copy of the input).
Per spatial axis, the outermost taps that read padding at every output position are dropped and the pads
shrink by as much, so the output keeps its size and every value. A tap inside the kept range stays even if
dead (the kernel must stay a regular grid). Exact: a dropped tap only ever multiplied padding zeros (a
weight of inf or NaN there would have made NaN; such a model is broken anyway). Needs the static spatial
size of the input (the batch may be dynamic) and a constant weight; runs before ExplicitPaddingPass, which
then sees the smaller pads (often none: the 1x1 conv runs VALID).
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, constant_array, ensure_shapes, ints_attr
from converter.onnx_passes.explicit_padding import resolve_pads

__all__ = ["DropPaddingTapsPass"]

logger = logging.getLogger(__name__)


class DropPaddingTapsPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        ensure_shapes(model, ("Conv",))
        modified = False
        for node in list(model.graph):
            if node.domain == "" and node.op_type == "Conv":
                modified |= _drop_taps(model.graph, node)
        return ir.passes.PassResult(model, modified)


def _drop_taps(graph: ir.Graph, node: ir.Node) -> bool:
    x, weight = node.inputs[0], node.inputs[1]
    array = constant_array(weight)
    if array is None or x.shape is None or len(x.shape) != array.ndim:
        return False
    spatial = list(x.shape)[2:]
    if not all(isinstance(n, int) for n in spatial):
        return False
    kernel = list(array.shape[2:])
    begin, end, _ = resolve_pads(node, spatial, kernel)
    strides = ints_attr(node, "strides", [1] * len(kernel))
    dilations = ints_attr(node, "dilations", [1] * len(kernel))
    kept = [_live_taps(*axis) for axis in zip(spatial, kernel, strides, dilations, begin, end)]
    if None in kept or all(k == (0, size - 1) for k, size in zip(kept, kernel)):
        return False
    new_begin, new_end = [], []
    for (first, last), n, k, s, d, b, e in zip(kept, spatial, kernel, strides, dilations, begin, end):
        out = _output_length(n, k, s, d, b, e)
        new_begin.append(b - first * d)
        new_end.append((out - 1) * s + (last - first) * d + 1 - n - new_begin[-1])
    if min(new_begin + new_end) < 0:
        return False
    trimmed = array[(slice(None), slice(None), *[slice(first, last + 1) for first, last in kept])]
    node.replace_input_with(1, add_initializer(graph, f"{node.name or 'conv'}_live_kernel",
                                               np.ascontiguousarray(trimmed)))
    node.attributes.pop("auto_pad", None)
    node.attributes["pads"] = ir.AttrInt64s("pads", new_begin + new_end)
    if "kernel_shape" in node.attributes:
        node.attributes["kernel_shape"] = ir.AttrInt64s("kernel_shape", list(trimmed.shape[2:]))
    node.attributes["dilations"] = ir.AttrInt64s(   # a single tap has no spacing: TF then takes its 1x1 path
        "dilations", [1 if last == first else d for (first, last), d in zip(kept, dilations)])
    logger.debug("%s: kernel %s -> %s (taps reading only padding dropped)", node.name, kernel, list(trimmed.shape[2:]))
    return True


def _live_taps(size: int, kernel: int, stride: int, dilation: int, begin: int, end: int) -> tuple[int, int] | None:
    """(first, last) tap along one axis that reads the input at some output position; None if none does."""
    outputs = _output_length(size, kernel, stride, dilation, begin, end)
    if outputs < 1:
        return None
    starts = np.arange(outputs) * stride - begin
    live = [tap for tap in range(kernel) if np.any((starts + tap * dilation >= 0) & (starts + tap * dilation < size))]
    return (live[0], live[-1]) if live else None


def _output_length(size: int, kernel: int, stride: int, dilation: int, begin: int, end: int) -> int:
    return (size + begin + end - (kernel - 1) * dilation - 1) // stride + 1
