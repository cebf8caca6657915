"""Fallback for nodes without a handler: expand them into their ONNX function body and translate that.

Two sources of bodies, tried in this order:
- the model's local functions (`ModelProto.functions`, e.g. emitted by the torch exporter), keyed by
  (domain, name) and carried on `TranslationContext.functions`;
- the op schema's function (`schema.has_function`) or context-dependent function
  (`schema.has_context_dependent_function`, built from the node and its input types), in the newest
  function version at or below the model's opset. Gelu, HardSwish, Mish, LayerNormalization... are
  defined this way.

A registered handler always wins: `translate_node` only asks here when the registry has nothing.
The body runs in a fresh scope (functions cannot see the caller's values) with the function's own
opset imports; attribute references (`ref_attr_name`) take the caller's attribute values.
"""
from __future__ import annotations

import logging

import onnx
import tensorflow as tf

from converter.errors import ConverterError, UnsupportedOpsError
from converter.tf_ops.dtypes import TF_TO_ONNX
from converter.tf_ops.registry import normal_domain

logger = logging.getLogger(__name__)
_MAX_DEPTH = 32


def function_body(proto: onnx.NodeProto, opset: int, local_functions: dict,
                  input_types: list | None = None) -> onnx.FunctionProto | None:
    """The function that defines `proto`'s op at `opset`, or None when there is none.

    `input_types` (onnx TypeProtos) are needed for context-dependent functions; without them a float
    tensor type is assumed for every input, which is how preflight asks whether a body exists."""
    local = local_functions.get((proto.domain, proto.op_type))
    if local is not None:
        return local
    try:
        schema = onnx.defs.get_schema(proto.op_type, opset, proto.domain)
    except onnx.defs.SchemaError:
        return None
    if schema.has_function:
        version = _floor(schema.function_opset_versions, opset)
        if version is None:
            return schema.function_body
        return _parse(schema.get_function_with_opset_version(version))
    if schema.has_context_dependent_function:
        version = _floor(schema.context_dependent_function_opset_versions, opset)
        if input_types is None:
            input_types = [onnx.helper.make_tensor_type_proto(onnx.TensorProto.FLOAT, None) for _ in proto.input]
        serialized = [t.SerializeToString() for t in input_types]
        try:
            if version is None:
                raw = schema.get_context_dependent_function(proto.SerializeToString(), serialized)
            else:
                raw = schema.get_context_dependent_function_with_opset_version(
                    version, proto.SerializeToString(), serialized)
        except Exception as error:  # noqa: BLE001 - onnx refuses bodies for some attribute/type combinations
            logger.debug("no function body for %s: %s", proto.op_type, error)
            return None
        return _parse(raw) if raw else None
    return None


def expand_node(ctx, proto: onnx.NodeProto, opset: int) -> list | None:
    """Translate `proto` through its function body; None when the op has no body."""
    from converter.tf_ops.context import TranslationContext
    from converter.tf_ops.translate import translate_node

    inputs = [ctx.lookup(name) if name else None for name in proto.input]
    body = function_body(proto, opset, ctx.functions, [_type_proto(v) for v in inputs])
    if body is None:
        return None
    opsets = dict(ctx.opsets)
    opsets.update({normal_domain(o.domain): o.version for o in body.opset_import})
    scope = TranslationContext(opsets, ctx.registry, functions=ctx.functions)
    for formal, value in zip(body.input, inputs + [None] * (len(body.input) - len(inputs))):
        scope.bind(formal, value)
    caller_attrs = {a.name: a for a in proto.attribute}
    caller_attrs.update(_default_attributes(body, caller_attrs))
    try:
        for body_node in body.node:
            translate_node(scope, _bind_attributes(body_node, caller_attrs))
    except ConverterError as error:   # say which node was expanded (nested expansions chain their names)
        if isinstance(error, UnsupportedOpsError):   # its message lists ops; preflight normally catches these
            raise
        raise type(error)(f"{_describe(proto, opset)} expanded into its function body: {error}") from error
    # the body may declare outputs the node does not ask for (e.g. LayerNormalization's Mean)
    return [scope.lookup(formal) if actual else None for formal, actual in zip(body.output, proto.output)]


def _describe(proto: onnx.NodeProto, opset: int) -> str:
    name = proto.name or f"{proto.op_type}_{'_'.join(proto.output)}"
    return f"node {name!r} ({proto.domain + '::' if proto.domain else ''}{proto.op_type}, opset {opset})"


def _bind_attributes(node: onnx.NodeProto, caller_attrs: dict) -> onnx.NodeProto:
    """A copy of `node` whose attribute references take the caller's values (dropped when unset)."""
    if not any(a.ref_attr_name for a in node.attribute):
        return node
    bound = onnx.NodeProto()
    bound.CopyFrom(node)
    del bound.attribute[:]
    for attribute in node.attribute:
        if not attribute.ref_attr_name:
            bound.attribute.append(attribute)
        elif attribute.ref_attr_name in caller_attrs:
            value = onnx.AttributeProto()
            value.CopyFrom(caller_attrs[attribute.ref_attr_name])
            value.name = attribute.name
            bound.attribute.append(value)
    return bound


def _default_attributes(body: onnx.FunctionProto, given: dict) -> dict:
    """Local functions may declare attribute defaults (`attribute_proto`)."""
    return {a.name: a for a in body.attribute_proto if a.name not in given}


def _type_proto(value) -> onnx.TypeProto:
    if isinstance(value, tf.Tensor | tf.Variable) and value.dtype in TF_TO_ONNX:
        shape = None if value.shape.rank is None else list(value.shape)
        return onnx.helper.make_tensor_type_proto(TF_TO_ONNX[value.dtype], shape)
    if isinstance(value, list) and value and isinstance(value[0], tf.Tensor):
        return onnx.helper.make_sequence_type_proto(_type_proto(value[0]))
    return onnx.helper.make_tensor_type_proto(onnx.TensorProto.FLOAT, None)


def _floor(versions, opset: int) -> int | None:
    eligible = [v for v in versions if v <= opset]
    return max(eligible) if eligible else None


def _parse(raw: bytes) -> onnx.FunctionProto:
    function = onnx.FunctionProto()
    function.ParseFromString(raw)
    return function


def body_supported(proto: onnx.NodeProto, opset: int, opsets: dict, registry, local_functions: dict,
                   depth: int = 0) -> bool:
    """True when `proto` has a function body whose nodes are all handled (recursively expanded)."""
    body = function_body(proto, opset, local_functions)
    if body is None or depth > _MAX_DEPTH:
        return False
    body_opsets = dict(opsets)
    body_opsets.update({normal_domain(o.domain): o.version for o in body.opset_import})
    from converter.onnx_nodes import iter_nodes
    for node in iter_nodes(onnx.helper.make_graph(list(body.node), "body", [], [])):
        node_opset = body_opsets.get(node.domain, 0)
        if registry.lookup(node.op_type, node_opset, node.domain) is None and not body_supported(
                node, node_opset, body_opsets, registry, local_functions, depth + 1):
            return False
    return True
