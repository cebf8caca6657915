"""ONNX symbolics the TorchScript-based exporter lacks, for ops real models trace into.

- aten::diff (torch.diff): transformers' masking utilities call it on the position ids of every causal LM
  (find_packed_sequence_indices), so traced GPT-2 and Qwen2 checkpoints failed to export ("Exporting the
  operator 'aten::diff' to ONNX opset version 18 is not supported"). It is n times the difference of
  neighbours along `dim` (xor for booleans), after concatenating `prepend`/`append`: Slice, Slice, Sub.
- aten::cumsum: PyTorch sums booleans and integers as int64 (unless `dtype` says otherwise); torch's symbolic
  passed them on as they were (the same function's `(position_diff != 1).cumsum(-1)` became an ONNX CumSum
  of a bool tensor, which no runtime accepts) and dropped a constant `dtype`. A Cast first, as PyTorch does.

Registered once per process on the first TorchScript export (torch keeps symbolics in one registry).
"""
from __future__ import annotations

import functools

import torch
# From where they live: torch.onnx.symbolic_helper is a star-import shim without the private names used here
# (_get_const, _type_utils) unless torch has aliased it to this module first, which depends on import order.
from torch.onnx._internal.torchscript_exporter import symbolic_helper
from torch.onnx._internal.torchscript_exporter._type_utils import JitScalarType as _J

FIRST_OPSET = 11     # Slice with input starts/ends/axes; CumSum
_SUMMED_AS_INT64 = {_J.BOOL, _J.UINT8, _J.INT8, _J.INT16, _J.INT}      # INT: int32


@functools.cache
def register_symbolics() -> None:
    torch.onnx.register_custom_op_symbolic("aten::diff", _diff, FIRST_OPSET)
    torch.onnx.register_custom_op_symbolic("aten::cumsum", _cumsum, FIRST_OPSET)


def _cumsum(g, self, dim, dtype):
    current = _J.from_value(self, _J.UNDEFINED)
    if not symbolic_helper._is_none(dtype):
        wanted = _J(symbolic_helper._get_const(dtype, "i", "dtype"))
    else:
        wanted = _J.INT64 if current in _SUMMED_AS_INT64 else current
    if wanted not in (current, _J.UNDEFINED):
        self = g.op("Cast", self, to_i=wanted.onnx_type())
    axis = g.op("Constant", value_t=torch.tensor(symbolic_helper._get_const(dim, "i", "dim"), dtype=torch.int64))
    return g.op("CumSum", self, axis)


def _diff(g, self, n, dim, prepend, append):
    n = symbolic_helper._get_const(n, "i", "n")
    dim = symbolic_helper._get_const(dim, "i", "dim")
    parts = [p for p in (prepend, self, append) if not symbolic_helper._is_none(p)]
    x = g.op("Concat", *parts, axis_i=dim) if len(parts) > 1 else self
    axes = g.op("Constant", value_t=torch.tensor([dim], dtype=torch.int64))
    one, zero = (g.op("Constant", value_t=torch.tensor([v], dtype=torch.int64)) for v in (1, 0))
    last = g.op("Constant", value_t=torch.tensor([-1], dtype=torch.int64))
    end = g.op("Constant", value_t=torch.tensor([torch.iinfo(torch.int64).max], dtype=torch.int64))
    difference = "Xor" if symbolic_helper._is_bool(self) else "Sub"      # torch.diff of booleans is xor
    for _ in range(n):
        x = g.op(difference, g.op("Slice", x, one, end, axes), g.op("Slice", x, zero, last, axes))
    return x
