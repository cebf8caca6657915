"""The official ONNX backend cases for conv/pool/norm ops, run a second time with the padding and layout
passes applied in `prepare` (ExplicitPaddingPass, ConvertToNhwcPass, CancelTransposesPass): the
rewritten graph, with its converter.nhwc ops, must give the same numbers. Exclusions as in
tests/conformance/exclusions.py; CONFORMANCE_NHWC_INCLUDE narrows the run further."""
from __future__ import annotations

import os
import unittest

import onnx
import onnx.backend.test
import onnx_ir as ir
import pytest

import converter.backend as tf_backend
from converter.errors import UnsupportedOpsError
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from tests.conformance.exclusions import EXCLUSIONS

SPATIAL_CASES = (r"^test_(conv|convtranspose|basic_conv|maxpool|averagepool|lppool|globalaveragepool|"
                 r"globalmaxpool|batchnorm|instancenorm|operator_conv|operator_maxpool|"
                 r"Conv|ConvTranspose|MaxPool|AvgPool|BatchNorm|InstanceNorm)")


def apply_layout_passes(model: onnx.ModelProto) -> onnx.ModelProto:
    ir_model = ir.serde.deserialize_model(model)
    for graph_pass in (ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass()):
        ir_model = graph_pass(ir_model).model
    return ir.serde.serialize_model(ir_model)


class _NhwcBackend(tf_backend.TfBackend):
    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        try:
            return super().prepare(apply_layout_passes(model), device, **kwargs)
        except UnsupportedOpsError as error:
            raise unittest.SkipTest(f"unsupported: {error}") from None


class _BackendModule:
    prepare = _NhwcBackend.prepare
    run_model = _NhwcBackend.run_model
    run_node = _NhwcBackend.run_node
    supports_device = _NhwcBackend.supports_device
    is_compatible = _NhwcBackend.is_compatible


backend_test = onnx.backend.test.BackendTest(_BackendModule, __name__)
for _pattern in EXCLUSIONS:
    backend_test.exclude(_pattern)
backend_test.include(os.environ.get("CONFORMANCE_NHWC_INCLUDE", SPATIAL_CASES))

pytestmark = pytest.mark.conformance
globals().update(backend_test.test_cases)
