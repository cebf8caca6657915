"""PatchConvAsMatMulPass: a patch embedding, a Conv whose stride equals its kernel, on the image the model
is fed, becomes one transpose of the image into patches and a linear layer.

Vision transformers and their kin cut the image into non-overlapping patches with such a convolution (ViT,
CLIP and Mixer 16x16, Swin and ConvNeXt's 4x4 stem). TF runs it as an NCHW -> NHWC transpose of the image,
then a Conv2D with a large kernel and few input channels, which neither kernel family runs well; under
oneDNN the image's `_MklTranspose` alone costs about 100 us at batch 1 on HF ViT's 64x64 image (the zoo
comparison of both forms: docs/performance.md, ninth round).
The patch form reshapes the NCHW image to [B, C, H/p, p, W/p, p], moves the patch grid first ([B, H/p, W/p,
C, p, p]: the innermost axis stays, so a p >= 8 transpose runs on its int32 view, converter/tf_ops/_transpose.py)
and multiplies by the kernel flattened to [C*p*p, O]: the output is channels-last, and a Transpose back to
NCHW which the layout passes cancel with the reshape or permute that follows every patch embedding.
Matched: a one-group 2-D Conv with a constant weight whose kernel equals its strides (not 1x1), no
dilation and no padding, on a float32 graph input (or one cast or normalised by constants) with static
channels and sizes divisible by the kernel.
A Conv inside the network is left alone: its input is already channels-last there, and the patch form would
move the whole activation once more. Not run with `--io-layout nhwc` (the image then is channels-last).
Runs after the BatchNorm folds (a norm after the patch conv is in its weights), before FuseLinearLayerPass,
which makes the MatMul and bias one fused linear layer.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import (add_initializer, constant_array, fresh_name,
                                           int_attr, ints_attr, make_transpose, redirect_uses, str_attr)
from converter.onnx_passes._match import folding_result, is_standard

__all__ = ["PatchConvAsMatMulPass"]

logger = logging.getLogger(__name__)

PATCHES_FIRST = [0, 2, 4, 1, 3, 5]        # [B, C, H/p, p, W/p, p] -> [B, H/p, W/p, C, p, p]
TO_CHANNELS_FIRST = [0, 3, 1, 2]


class PatchConvAsMatMulPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        rewritten = sum(_rewrite(graph, node) for node in list(graph) if is_standard(node, "Conv"))
        return folding_result(model, rewritten, logger,
                              "PatchConvAsMatMulPass: %d patch embeddings as a linear layer over patches")


def _patch_embedding(conv: ir.Node) -> tuple[np.ndarray, int, int, int, int, int] | None:
    """(weight, channels, height, width, kernel height, kernel width) when `conv` is a patch embedding on a
    graph input."""
    x = conv.inputs[0]
    weight = constant_array(conv.inputs[1]) if len(conv.inputs) > 1 else None
    if (weight is None or weight.ndim != 4 or int_attr(conv, "group", 1) != 1 or not _reads_the_image(x)
            or x.dtype != ir.DataType.FLOAT or x.shape is None or len(x.shape) != 4):
        return None
    kernel = list(weight.shape[2:])
    if (kernel == [1, 1] or list(ints_attr(conv, "strides", [1, 1])) != kernel
            or any(d != 1 for d in ints_attr(conv, "dilations", [1, 1])) or any(ints_attr(conv, "pads", [0] * 4))
            or str_attr(conv, "auto_pad", "NOTSET") not in ("NOTSET", "VALID")):
        return None
    channels, height, width = (x.shape[axis] for axis in (1, 2, 3))
    if not all(isinstance(size, int) for size in (channels, height, width)) or channels != weight.shape[1]:
        return None
    if height % kernel[0] or width % kernel[1]:
        return None
    return weight, channels, height, width, kernel[0], kernel[1]


def _reads_the_image(value: ir.Value) -> bool:
    """`value` is a graph input, or computed from one elementwise only (CLIP's cast to the weights' dtype, a
    normalisation by constants): it is channels-first, not the output of a channels-last region."""
    while not value.is_graph_input():
        producer = value.producer()
        if is_standard(producer, "Cast", "Identity"):
            value = producer.inputs[0]
        elif is_standard(producer, "Add", "Sub", "Mul", "Div") and constant_array(producer.inputs[1]) is not None:
            value = producer.inputs[0]
        else:
            return False
    return True


def _rewrite(graph: ir.Graph, conv: ir.Node) -> bool:
    found = _patch_embedding(conv)
    if found is None:
        return False
    weight, channels, height, width, kh, kw = found
    rows, cols = height // kh, width // kw
    x, stem = conv.inputs[0], conv.name or "patch_conv"
    batch = x.shape[0]
    nodes = []

    def add(op_type: str, inputs: list[ir.Value], shape: list) -> ir.Value:
        node = ir.Node("", op_type, inputs, name=fresh_name(graph, f"{stem}_{op_type.lower()}"))
        node.outputs[0].name = fresh_name(graph, f"{stem}_{op_type.lower()}_out")
        node.outputs[0].shape, node.outputs[0].type = ir.Shape(shape), x.type
        nodes.append(node)
        return node.outputs[0]

    def target(shape: list[int]) -> ir.Value:
        return add_initializer(graph, f"{stem}_shape", np.array(shape, np.int64))

    grid = add("Reshape", [x, target([-1, channels, rows, kh, cols, kw])], [batch, channels, rows, kh, cols, kw])
    nodes.append(make_transpose(graph, grid, PATCHES_FIRST, f"{stem}_patches_first"))
    patches = add("Reshape", [nodes[-1].outputs[0], target([-1, rows, cols, channels * kh * kw])],
                  [batch, rows, cols, channels * kh * kw])
    kernel = add_initializer(graph, f"{stem}_kernel", np.ascontiguousarray(weight.reshape(weight.shape[0], -1).T))
    out = add("MatMul", [patches, kernel], [batch, rows, cols, weight.shape[0]])
    if len(conv.inputs) > 2 and conv.inputs[2] is not None:
        out = add("Add", [out, conv.inputs[2]], [batch, rows, cols, weight.shape[0]])
    nodes.append(make_transpose(graph, out, TO_CHANNELS_FIRST, f"{stem}_channels_first"))
    graph.insert_before(conv, nodes)
    redirect_uses(graph, conv.outputs[0], nodes[-1].outputs[0])
    graph.remove(conv, safe=True)
    return True
