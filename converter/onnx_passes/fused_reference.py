"""Reference implementations of the converter.fused ops for onnx's ReferenceEvaluator, so a model stays
runnable (and testable against the original) after the fusion passes:

    ReferenceEvaluator(model, new_ops=FUSED_REFERENCE_OPS)

Each one runs the standard ONNX ops it stands for through the reference evaluator.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FUSED_REFERENCE_OPS"]


@lru_cache(maxsize=16)
def _onnx_op(op_type: str, attributes: tuple[tuple[str, str], ...] = ()) -> ReferenceEvaluator:
    """ONNX's own one-input `op_type` (opset 20, which has Gelu)."""
    node = onnx.helper.make_node(op_type, ["x"], ["y"], **dict(attributes))
    x, y = (onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in ("x", "y"))
    graph = onnx.helper.make_graph([node], op_type, [x], [y])
    return ReferenceEvaluator(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)]))


def _gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    return _onnx_op("Gelu", (("approximate", approximate),)).run(None, {"x": x})[0].astype(x.dtype)


class Gelu(OpRun):
    """converter.fused::Gelu: `scale` times ONNX-20 Gelu."""
    op_domain = FUSED_DOMAIN

    def _run(self, x, approximate="none", scale=1.0):
        return ((_gelu(x, approximate) * np.asarray(scale, x.dtype)).astype(x.dtype),)


class HardSwish(OpRun):
    """converter.fused::HardSwish: `scale` times ONNX HardSwish."""
    op_domain = FUSED_DOMAIN

    def _run(self, x, scale=1.0):
        return ((_onnx_op("HardSwish").run(None, {"x": x})[0] * np.asarray(scale, x.dtype)).astype(x.dtype),)


class Linear(OpRun):
    """converter.fused::Linear: activation(MatMul(x, weight) + bias)."""
    op_domain = FUSED_DOMAIN

    def _run(self, x, weight, bias=None, activation="", approximate="none"):
        y = np.matmul(x, weight)
        if bias is not None:
            y = y + bias
        if activation == "Gelu":
            y = _gelu(y, approximate)
        elif activation:
            y = _onnx_op(activation).run(None, {"x": y})[0]
        return (y.astype(x.dtype),)


class MatMul(OpRun):
    """converter.fused::MatMul: MatMul with the last two axes of A and/or B swapped first."""
    op_domain = FUSED_DOMAIN

    def _run(self, a, b, transpose_a=0, transpose_b=0):
        return (np.matmul(np.swapaxes(a, -1, -2) if transpose_a else a, np.swapaxes(b, -1, -2) if transpose_b else b),)


class ResidualAdd(OpRun):
    """converter.fused::ResidualAdd: Add."""
    op_domain = FUSED_DOMAIN

    def _run(self, a, b):
        return (np.add(a, b),)


class Swish(OpRun):
    """converter.fused::Swish: Mul(x, Sigmoid(x)). (onnx's evaluator hands it ONNX Swish's `alpha`, default 1.)"""
    op_domain = FUSED_DOMAIN

    def _run(self, x, alpha=1.0):
        return ((x * _onnx_op("Sigmoid").run(None, {"x": x})[0]).astype(x.dtype),)


FUSED_REFERENCE_OPS = [Gelu, HardSwish, Linear, MatMul, ResidualAdd, Swish]
