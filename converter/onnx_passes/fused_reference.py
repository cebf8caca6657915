"""Reference implementations of the converter.fused ops for onnx's ReferenceEvaluator, so a model stays
runnable (and testable against the original) after the fusion passes:

    ReferenceEvaluator(model, new_ops=FUSED_REFERENCE_OPS)
"""
from __future__ import annotations

from functools import lru_cache

import onnx
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FUSED_REFERENCE_OPS"]


@lru_cache(maxsize=4)
def _onnx_gelu(approximate: str) -> ReferenceEvaluator:
    """ONNX's own Gelu (opset 20), which converter.fused::Gelu mirrors attribute for attribute."""
    node = onnx.helper.make_node("Gelu", ["x"], ["y"], approximate=approximate)
    graph = onnx.helper.make_graph([node], "gelu", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, None)],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    return ReferenceEvaluator(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)]))


class Gelu(OpRun):
    op_domain = FUSED_DOMAIN

    def _run(self, x, approximate="none"):
        return (_onnx_gelu(approximate).run(None, {"x": x})[0].astype(x.dtype),)


FUSED_REFERENCE_OPS = [Gelu]
