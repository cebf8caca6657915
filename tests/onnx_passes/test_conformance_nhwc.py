"""The official ONNX backend cases for conv/pool/norm ops, run a second time with the padding and layout
passes applied in `prepare` (ExplicitPaddingPass, ConvertToNhwcPass, CancelTransposesPass): the
rewritten graph, with its converter.nhwc ops, must give the same numbers. Exclusions as in
tests/conformance/exclusions.py; CONFORMANCE_NHWC_INCLUDE narrows the run further."""
from __future__ import annotations

import os

import onnx
import onnx_ir as ir
import pytest

from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from tests.conformance.suite import backend_test_cases

SPATIAL_CASES = (r"^test_(conv|convtranspose|basic_conv|maxpool|averagepool|lppool|globalaveragepool|"
                 r"globalmaxpool|batchnorm|instancenorm|lrn|operator_conv|operator_maxpool|"
                 r"Conv|ConvTranspose|MaxPool|AvgPool|BatchNorm|InstanceNorm)")


def apply_layout_passes(model: onnx.ModelProto) -> onnx.ModelProto:
    ir_model = ir.serde.deserialize_model(model)
    for graph_pass in (ExplicitPaddingPass(), ConvertToNhwcPass(), CancelTransposesPass()):
        ir_model = graph_pass(ir_model).model
    return ir.serde.serialize_model(ir_model)


pytestmark = pytest.mark.conformance
globals().update(backend_test_cases(__name__, apply_layout_passes,
                                    os.environ.get("CONFORMANCE_NHWC_INCLUDE", SPATIAL_CASES)))
