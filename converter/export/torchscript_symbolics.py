"""ONNX translations of aten ops that torch's TorchScript-based exporter lacks, registered once before it runs.

A TorchScript checkpoint can only go through that exporter, so an aten op without a symbolic there fails the
whole conversion. transformers' masks call `torch.diff` and then `.cumsum` a boolean (GPT-2, Qwen2 and other
decoders traced with torch.jit.trace): "Exporting the operator 'aten::diff' to ONNX opset version 18 is not
supported", and torch's own cumsum symbolic writes a CumSum of booleans, which ONNX does not define."""
from __future__ import annotations

import torch
from torch.onnx import symbolic_helper

_FIRST_OPSET = 13       # Slice with tensor starts/ends (10) and ReduceSum-style axes inputs (13)


@symbolic_helper.parse_args("v", "i", "i", "v", "v")
def _diff(g, x, n: int, dim: int, prepend, append):
    """torch.diff: `n` times x[1:] - x[:-1] along `dim`, after concatenating prepend and append (logical xor
    for booleans, as torch does)."""
    parts = [t for t in (prepend, x, append) if not symbolic_helper._is_none(t)]
    if len(parts) > 1:
        x = g.op("Concat", *parts, axis_i=dim)
    is_bool = symbolic_helper._is_bool(x)

    def constant(value: int):
        return g.op("Constant", value_t=torch.tensor([value], dtype=torch.int64))

    axes = constant(dim)
    for _ in range(n):
        later = g.op("Slice", x, constant(1), constant(torch.iinfo(torch.int64).max), axes)
        earlier = g.op("Slice", x, constant(0), constant(-1), axes)
        x = g.op("Xor" if is_bool else "Sub", later, earlier)
    return x


def _cumsum(g, x, dim, dtype=None):
    """torch.cumsum, whose result is int64 for boolean and other integer inputs without a dtype; torch's own
    symbolic (symbolic_opset11.cumsum) does the rest."""
    from torch.onnx._internal.torchscript_exporter import symbolic_opset11

    if symbolic_helper._is_none(dtype) and symbolic_helper._is_bool(x):
        x = g.op("Cast", x, to_i=torch.onnx.TensorProtoDataType.INT64)
    return symbolic_opset11.cumsum(g, x, dim, dtype)


_SYMBOLICS = {"aten::diff": _diff, "aten::cumsum": _cumsum}


def register_missing_symbolics() -> None:
    """Register our translations (idempotent: torch keeps one symbolic per name and opset)."""
    for name, function in _SYMBOLICS.items():
        torch.onnx.register_custom_op_symbolic(name, function, _FIRST_OPSET)
