"""ExplicitPaddingPass: give every Conv/MaxPool/AveragePool/LpPool padding TF can run directly.

TF's conv and pool kernels know only SAME (extra pixel at the end, like ONNX SAME_UPPER) and VALID.
- pads that are exactly TF's SAME or VALID (on the known input size) become auto_pad=SAME_UPPER/VALID (a
  dilated Conv keeps its pads attribute, since ONNX Runtime refuses SAME with dilations; the translation
  still runs it as TF's SAME);
- a depthwise Conv whose pads SAME cannot express (PyTorch's symmetric pads at stride 2: SAME puts the extra
  pixel at the end) gets zero taps added to its kernel so that SAME's pads line the kernel up exactly;
- any other pads (asymmetric, SAME_LOWER, ceil_mode's extension) become an explicit `Pad` node
  (0 for Conv/LpPool and AveragePool with count_include_pad=1, -inf for MaxPool) and the op runs VALID.
Left as they are (the translation computes them exactly): 2-D MaxPool (TF's MaxPool takes explicit pads,
measured 1.2-1.6x faster than Pad + VALID at ResNet-50's stem pool); AveragePool with count_include_pad=0 and
pads, or with a ceil_mode extension (the extension is never counted in the divisor); MaxPool with an
Indices output (indices would refer to the padded tensor); ConvTranspose (its pads crop the output).
"""
from __future__ import annotations

import logging
import math

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (add_initializer, allow_free_initializers, constant_array, ensure_shapes,
                                           fresh_name, int_attr, ints_attr, str_attr)

__all__ = ["ExplicitPaddingPass", "resolve_pads"]

logger = logging.getLogger(__name__)

_PADDED_OPS = ("Conv", "MaxPool", "AveragePool", "LpPool")


class ExplicitPaddingPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        if model.opset_imports.get("", 0) < 11:      # Pad takes pads as an attribute before opset 11
            return ir.passes.PassResult(model, False)
        ensure_shapes(model, _PADDED_OPS)
        modified = False
        for node in list(model.graph):
            if node.domain == "" and node.op_type in _PADDED_OPS:
                modified |= _rewrite(model.graph, node)
        if modified:
            allow_free_initializers(model)
        return ir.passes.PassResult(model, modified)


def _rewrite(graph: ir.Graph, node: ir.Node) -> bool:
    x = node.inputs[0]
    kernel = _kernel(node)
    if kernel is None or x.shape is None or len(x.shape) != len(kernel) + 2:
        return False
    spatial = [d if isinstance(d, int) else None for d in list(x.shape)[2:]]
    resolved = resolve_pads(node, spatial, kernel)
    if resolved is None:
        return False
    begin, end, extra = resolved
    op = node.op_type
    count_include_pad = op == "AveragePool" and int_attr(node, "count_include_pad") == 1
    dilated = any(d != 1 for d in ints_attr(node, "dilations", [1] * len(kernel)))
    if not any(begin) and not any(end) and not any(extra):
        return _set_auto_pad(node, "VALID")
    if not any(extra) and None not in spatial and not count_include_pad and (begin, end) == _tf_same(node, spatial, kernel):
        if not dilated:
            return _set_auto_pad(node, "SAME_UPPER")
        if op == "Conv":
            # no Pad: it would copy the input grown by the dilation's reach on every side (DeepLabV3-MobileNetV3's
            # Pads took 31% of TF's op time at batch 8)
            return False
    if op == "MaxPool" and len(node.outputs) > 1 and node.outputs[1].uses():
        return False
    if op == "MaxPool" and len(kernel) == 2 and not dilated and all(0 <= p < k for p, k in
                                                                    zip(begin + [e + c for e, c in zip(end, extra)],
                                                                        kernel * 2)):
        return False     # TF's 2-D MaxPool pads explicitly itself, faster than a separate Pad
    if op == "AveragePool" and (not count_include_pad or any(extra)):
        return False
    if min(begin + end) < 0:
        return False
    if op == "Conv" and not any(extra) and not dilated and _extend_depthwise_kernel(graph, node, spatial, begin, end):
        return True
    return _insert_pad(graph, node, begin, [e + c for e, c in zip(end, extra)])


def resolve_pads(node: ir.Node, spatial: list[int | None], kernel: list[int]):
    """(begin, end, ceil_extension) per spatial axis, or None when it depends on unknown sizes."""
    rank = len(kernel)
    strides = ints_attr(node, "strides", [1] * rank)
    dilations = ints_attr(node, "dilations", [1] * rank)
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    auto_pad = str_attr(node, "auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if None in spatial:
            return None
        pool_rule = node.op_type in ("AveragePool", "LpPool")   # the ONNX reference sizes these by kernel
        totals = [_same_total(n, s, k if pool_rule else span) for n, s, k, span in zip(spatial, strides, kernel, spans)]
        small, large = [t // 2 for t in totals], [t - t // 2 for t in totals]
        begin, end = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
    elif auto_pad == "VALID":
        begin, end = [0] * rank, [0] * rank
    else:
        pads = ints_attr(node, "pads", [0] * 2 * rank)
        begin, end = pads[:rank], pads[rank:]
    extra = [0] * rank
    if node.op_type != "Conv" and int_attr(node, "ceil_mode"):
        if None in spatial:
            return None
        for i, (n, s, span) in enumerate(zip(spatial, strides, spans)):
            out = math.ceil((n + begin[i] + end[i] - span) / s) + 1
            if (out - 1) * s >= n + begin[i]:   # a last window starting in the end padding is dropped
                out -= 1
            extra[i] = max(0, (out - 1) * s + span - (n + begin[i] + end[i]))
    return list(begin), list(end), extra


def _same_total(size: int, stride: int, span: int) -> int:
    return max(0, (math.ceil(size / stride) - 1) * stride + span - size)


def _tf_same(node, spatial, kernel):
    rank = len(kernel)
    strides = ints_attr(node, "strides", [1] * rank)
    dilations = ints_attr(node, "dilations", [1] * rank)
    totals = [_same_total(n, s, (k - 1) * d + 1) for n, s, k, d in zip(spatial, strides, kernel, dilations)]
    return [t // 2 for t in totals], [t - t // 2 for t in totals]


def _kernel(node: ir.Node) -> list[int] | None:
    kernel = ints_attr(node, "kernel_shape")
    if kernel:
        return kernel
    weight = node.inputs[1] if node.op_type == "Conv" and len(node.inputs) > 1 else None
    if weight is None or weight.shape is None or not all(isinstance(d, int) for d in weight.shape):
        return None
    return list(weight.shape)[2:]


# Zero taps may grow a kernel's area by at most this factor (3x3 -> 4x4 is 1.78).
MAX_KERNEL_GROWTH = 2.0


def _extend_depthwise_kernel(graph: ir.Graph, node: ir.Node, spatial: list[int | None], begin, end) -> bool:
    """Zero taps before/after a depthwise kernel so that TF's SAME pads give exactly ONNX's output: no Pad.

    A depthwise conv is memory-bound: TF's Pad is a full extra pass over the activation (in MobileNetV3 its
    five Pads took as long as its eleven depthwise convs), while the zero taps cost a few multiply-adds per
    output. Measured 10-40% faster per layer with Eigen's and oneDNN's kernels, outputs bit-identical. (A tap
    of zero still multiplies the value under it: an inf or NaN there gives NaN where PyTorch skips it.) Dense
    convs keep the Pad: there the taps would cost real FLOPs (ResNet's 3x3 stride-2 convs: +78%). (TF's Conv2D
    also takes explicit pads: against Pad + VALID, alternating runs, -7% to +5% per dense conv and -24% to +5%
    per grouped one, within this host's drift, so not used; oneDNN's depthwise kernel aborts on them.)"""
    weight = node.inputs[1]
    array = constant_array(weight)
    group = int_attr(node, "group", 1)
    if (array is None or array.ndim != len(spatial) + 2 or group == 1 or array.shape[1] != 1
            or None in spatial or len(weight.uses()) != 1):
        return False
    strides = ints_attr(node, "strides", [1] * len(spatial))
    taps = [_zero_taps(n, s, k, b, e) for n, s, k, b, e in zip(spatial, strides, array.shape[2:], begin, end)]
    if None in taps or np.prod([k + a + z for k, (a, z) in zip(array.shape[2:], taps)]) > \
            MAX_KERNEL_GROWTH * np.prod(array.shape[2:]):
        return False
    extended = np.pad(array, [(0, 0), (0, 0), *taps])
    node.replace_input_with(1, add_initializer(graph, f"{node.name or 'conv'}_same_kernel", extended))
    if "kernel_shape" in node.attributes:
        node.attributes["kernel_shape"] = ir.AttrInt64s("kernel_shape", list(extended.shape[2:]))
    _set_auto_pad(node, "SAME_UPPER")
    logger.debug("%s: pads %s/%s as SAME with zero taps %s", node.name, begin, end, taps)
    return True


def _zero_taps(size: int, stride: int, kernel: int, begin: int, end: int) -> tuple[int, int] | None:
    """(before, after) zero taps for which SAME over the longer kernel reads what ONNX's pads do: the same
    output length and the real taps at the same offset. None when no such pair exists."""
    out = (size + begin + end - kernel) // stride + 1
    if out != -(-size // stride):         # SAME's output length is ceil(size / stride)
        return None
    for extra in range(1, kernel + 1):
        for before in range(extra + 1):
            if _same_total(size, stride, kernel + extra) // 2 - before == begin:
                return before, extra - before
    return None


def _set_auto_pad(node: ir.Node, auto_pad: str) -> bool:
    before = (str_attr(node, "auto_pad", "NOTSET"), "pads" in node.attributes, int_attr(node, "ceil_mode"))
    node.attributes.pop("pads", None)
    node.attributes.pop("ceil_mode", None)
    node.attributes["auto_pad"] = ir.AttrString("auto_pad", auto_pad)
    return before != (auto_pad, False, 0)


def _insert_pad(graph: ir.Graph, node: ir.Node, begin: list[int], end: list[int]) -> bool:
    x = node.inputs[0]
    if x.dtype is None:
        return False
    np_dtype = x.dtype.numpy()
    if node.op_type == "MaxPool":
        if not np.issubdtype(np_dtype, np.floating):
            return False
        fill = np.array(-np.inf, np_dtype)
    else:
        fill = np.array(0, np_dtype)
    stem = node.name or node.op_type
    pads = add_initializer(graph, f"{stem}_pads", np.array([0, 0, *begin, 0, 0, *end], np.int64))
    value = add_initializer(graph, f"{stem}_pad_value", fill)
    pad = ir.Node("", "Pad", [x, pads, value], [ir.AttrString("mode", "constant")], name=f"{stem}_explicit_pad")
    padded = pad.outputs[0]
    padded.name = fresh_name(graph, f"{stem}_padded")
    padded.type = x.type
    dims = list(x.shape)
    padded.shape = ir.Shape(dims[:2] + [d + b + e if isinstance(d, int) else None
                                        for d, b, e in zip(dims[2:], begin, end)])
    graph.insert_before(node, pad)
    node.replace_input_with(0, padded)
    _set_auto_pad(node, "VALID")
    logger.debug("%s: pads %s/%s made explicit", stem, begin, end)
    return True
