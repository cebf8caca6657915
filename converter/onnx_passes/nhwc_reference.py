"""Reference implementations of the converter.nhwc ops for onnx's ReferenceEvaluator, so a model stays
runnable (and testable against the original) after ConvertToNhwcPass:

    ReferenceEvaluator(model, new_ops=NHWC_REFERENCE_OPS)

Each one moves channels first, runs the standard ONNX op through the reference evaluator, and moves
channels back; weights are undone from TF order.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

from converter.onnx_passes._layout import NHWC_DOMAIN, inverse, to_first, to_last

__all__ = ["NHWC_REFERENCE_OPS"]


@lru_cache(maxsize=256)
def _standard_node(op_type: str, n_inputs: int, attrs: tuple) -> ReferenceEvaluator:
    names = [f"i{k}" for k in range(n_inputs)]
    node = onnx.helper.make_node(op_type, names, ["y"], **dict(attrs))
    return ReferenceEvaluator(node)


def _freeze(value):
    if isinstance(value, np.ndarray):
        return tuple(value.tolist())
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, bytes):
        return value.decode()
    return value


class _NhwcOp(OpRun):
    op_domain = NHWC_DOMAIN
    weight_perm = None                 # perm that turned the ONNX weight into TF order (input 1)

    def _run(self, x, *others, **attrs):
        rank = x.ndim
        inputs = [np.transpose(x, to_first(rank))]
        for index, value in enumerate(others, start=1):
            if index == 1 and self.weight_perm is not None and value is not None:
                value = np.transpose(value, inverse(self.weight_perm(rank)))
            inputs.append(value)
        present = {k: _freeze(v) for k, v in attrs.items() if v is not None}
        evaluator = _standard_node(self.onnx_node.op_type, len(inputs), tuple(sorted(present.items())))
        feeds = {f"i{k}": v for k, v in enumerate(inputs)}
        (y,) = evaluator.run(None, feeds)
        return (np.transpose(y, to_last(rank)),)


def _make(op_type: str, weight_perm=None) -> type:
    return type(op_type, (_NhwcOp,), {"op_domain": NHWC_DOMAIN,
                                      "weight_perm": staticmethod(weight_perm) if weight_perm else None})


_TF_WEIGHT = lambda rank: [*range(2, rank), 1, 0]   # noqa: E731  (Conv and ConvTranspose alike)

NHWC_REFERENCE_OPS = [
    _make("Conv", _TF_WEIGHT),
    _make("ConvTranspose", _TF_WEIGHT),
    *[_make(op) for op in ("MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
                           "BatchNormalization", "InstanceNormalization", "LRN")],
]
