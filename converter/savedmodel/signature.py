"""The serving signature derived from the ONNX graph: keys, dtypes, shapes with -1 for dynamic dims."""
from __future__ import annotations

import re
from dataclasses import dataclass

import onnx

from converter.onnx_dtypes import tf_dtype_name

_VALID_KEY = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\-/]*")


@dataclass(frozen=True)
class TensorSpecInfo:
    onnx_name: str
    key: str                       # signature key (== onnx_name unless TF forbids a character)
    dtype: str                     # TF dtype name, e.g. "float32"
    shape: tuple[int | None, ...]  # None for dynamic dims (printed as -1)

    def as_dict(self) -> dict:
        return {"onnx_name": self.onnx_name, "key": self.key, "dtype": self.dtype,
                "shape": [-1 if d is None else d for d in self.shape]}

    @classmethod
    def from_dict(cls, data: dict) -> "TensorSpecInfo":
        return cls(data["onnx_name"], data["key"], data["dtype"], tuple(None if d == -1 else d for d in data["shape"]))


@dataclass(frozen=True)
class SignatureSpec:
    inputs: tuple[TensorSpecInfo, ...]
    outputs: tuple[TensorSpecInfo, ...]
    # ONNX names of the inputs the signature takes channels-last (--io-layout nhwc): feeds in the ONNX
    # model's channels-first layout are transposed for them, and decoded images are laid out so
    nhwc_inputs: frozenset[str] = frozenset()

    def renamed(self) -> dict[str, str]:
        """ONNX names that had to change to become signature keys."""
        return {t.onnx_name: t.key for t in (*self.inputs, *self.outputs) if t.key != t.onnx_name}

    def as_dict(self) -> dict:
        return {"inputs": [t.as_dict() for t in self.inputs], "outputs": [t.as_dict() for t in self.outputs],
                "nhwc_inputs": sorted(self.nhwc_inputs)}

    @classmethod
    def from_dict(cls, data: dict) -> "SignatureSpec":
        """The inverse of as_dict (how the translate child hands the spec back)."""
        return cls(tuple(map(TensorSpecInfo.from_dict, data["inputs"])),
                   tuple(map(TensorSpecInfo.from_dict, data["outputs"])), frozenset(data["nhwc_inputs"]))


def signature_key(onnx_name: str, taken: set[str]) -> str:
    """The one place ONNX names become signature keys: keep the name when TF accepts it."""
    key = onnx_name if _VALID_KEY.fullmatch(onnx_name) else re.sub(r"[^A-Za-z0-9_.\-/]", "_", onnx_name)
    if not re.match(r"[A-Za-z0-9.]", key):
        key = f"t{key}"
    base, n = key, 1
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def signature_spec_from_onnx(model: onnx.ModelProto, nhwc_inputs: frozenset[str] = frozenset()) -> SignatureSpec:
    initialized = {i.name for i in model.graph.initializer}
    taken_in: set[str] = set()
    taken_out: set[str] = set()
    inputs = tuple(_info(v, signature_key(v.name, taken_in)) for v in model.graph.input if v.name not in initialized)
    outputs = tuple(_info(v, signature_key(v.name, taken_out)) for v in model.graph.output)
    return SignatureSpec(inputs, outputs, frozenset(nhwc_inputs))


def _info(value: onnx.ValueInfoProto, key: str) -> TensorSpecInfo:
    tensor_type = value.type.tensor_type
    shape: tuple[int | None, ...] = ()
    if tensor_type.HasField("shape"):
        shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim)
    return TensorSpecInfo(value.name, key, tf_dtype_name(tensor_type.elem_type), shape)
