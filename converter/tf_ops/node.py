"""The view of one ONNX node that a handler receives: resolved TF inputs and attributes with defaults."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import onnx
from onnx import helper, numpy_helper


@dataclass
class OnnxNode:
    proto: onnx.NodeProto
    opset: int                                    # opset version of the node's domain in this model
    inputs: list                                  # tf.Tensor (or list of tensors for sequences); None where omitted
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def op_type(self) -> str:
        return self.proto.op_type

    @property
    def name(self) -> str:
        return self.proto.name or f"{self.proto.op_type}_{'_'.join(self.proto.output)}"

    @property
    def domain(self) -> str:
        return self.proto.domain

    @property
    def input_names(self) -> list[str]:
        return list(self.proto.input)

    @property
    def output_names(self) -> list[str]:
        return list(self.proto.output)

    def attr(self, name: str, default: Any = None) -> Any:
        value = self.attrs.get(name)
        return default if value is None else value

    def input(self, index: int):
        """Input `index`, or None when it is omitted (empty name) or beyond the node's inputs."""
        return self.inputs[index] if index < len(self.inputs) else None

    def describe(self) -> str:
        return f"node {self.name!r} ({self.domain + '::' if self.domain else ''}{self.op_type}, opset {self.opset})"


def read_attributes(node: onnx.NodeProto, opset: int) -> dict[str, Any]:
    """The node's attributes as Python values, with the schema's defaults for those it omits."""
    values = dict(_schema_defaults(node.op_type, node.domain, opset))
    for attribute in node.attribute:
        values[attribute.name] = attribute_value(attribute)
    return values


def attribute_value(attribute: onnx.AttributeProto) -> Any:
    value = helper.get_attribute_value(attribute)
    if attribute.type == onnx.AttributeProto.STRING:
        return value.decode("utf-8")
    if attribute.type == onnx.AttributeProto.STRINGS:
        return [v.decode("utf-8") for v in value]
    if attribute.type == onnx.AttributeProto.TENSOR:
        return numpy_helper.to_array(value)
    if attribute.type in (onnx.AttributeProto.INTS, onnx.AttributeProto.FLOATS):
        return list(value)
    return value


@lru_cache(maxsize=None)
def _schema_defaults(op_type: str, domain: str, opset: int) -> tuple[tuple[str, Any], ...]:
    try:
        schema = onnx.defs.get_schema(op_type, opset, domain)
    except onnx.defs.SchemaError:
        return ()
    return tuple((name, attribute_value(attr.default_value))
                 for name, attr in schema.attributes.items()
                 if attr.default_value.type != onnx.AttributeProto.UNDEFINED)
