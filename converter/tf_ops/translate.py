"""Walk an ONNX graph in order and turn each node into TF ops through the registry."""
from __future__ import annotations

import re

import onnx
import tensorflow as tf
from onnx import numpy_helper

from converter.errors import ConverterError, InternalError, OpTranslationError, UnsupportedOpsError, first_line
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode, read_attributes


def translate_graph(ctx: TranslationContext, graph: onnx.GraphProto) -> None:
    """Bind every node output of `graph` in `ctx`. Graph inputs and weights must be bound already,
    except the graph's own initializers, which are bound here as constants when still unbound."""
    for initializer in graph.initializer:
        if initializer.name not in ctx.values:
            ctx.bind(initializer.name, tf.constant(numpy_helper.to_array(initializer)))
    for sparse in graph.sparse_initializer:
        if sparse.values.name not in ctx.values:
            ctx.bind(sparse.values.name, tf.constant(numpy_helper.to_array(numpy_helper.to_array(sparse))))
    for proto in graph.node:
        translate_node(ctx, proto)


def translate_node(ctx: TranslationContext, proto: onnx.NodeProto) -> list:
    opset = ctx.opset(proto.domain)
    registration = ctx.registry.lookup(proto.op_type, opset, proto.domain)
    if registration is None:  # no handler: the op (or a local function) may be defined by a body
        from converter.tf_ops.function_expansion import expand_node
        outputs = expand_node(ctx, proto, opset)
        if outputs is None:
            raise UnsupportedOpsError({(proto.domain, proto.op_type, opset): 1})
        for name, value in zip(proto.output, outputs):
            if name:
                ctx.bind(name, value)
        return outputs
    node = OnnxNode(proto, opset, [_input_value(ctx, proto, name) for name in proto.input],
                    read_attributes(proto, opset))
    try:
        with tf.name_scope(scope_name(node.name)):
            outputs = registration.handler(ctx, node)
    except ConverterError as error:
        if node.name in str(error):
            raise
        raise type(error)(f"{node.describe()}: {error}") from error
    except Exception as error:  # a handler bug or a TF error on a valid node: ours, wrapped once with where
        raise InternalError(f"translating {node.describe()}: {type(error).__name__}: {first_line(error)}") from error
    if len(outputs) < len([o for o in proto.output if o]):
        raise OpTranslationError(f"{node.describe()}: translation returned {len(outputs)} outputs, "
                                 f"the node has {len(proto.output)}")
    for name, value in zip(proto.output, outputs):
        if name:
            ctx.bind(name, value)
    return outputs


def _input_value(ctx: TranslationContext, proto: onnx.NodeProto, name: str):
    if not name:
        return None                                   # an omitted optional input
    try:
        return ctx.lookup(name)
    except KeyError:
        raise OpTranslationError(f"node {proto.name or proto.op_type!r} ({proto.op_type}) reads {name!r}, which no "
                                 "earlier node, graph input or initializer produces (a dangling input or a cycle)") from None


def scope_name(name: str) -> str:
    """A TF name scope derived from an ONNX node name (scope names allow fewer characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-/]", "_", name).strip("/")
    return cleaned if cleaned and re.match(r"[A-Za-z0-9.]", cleaned) else f"n{cleaned}"
