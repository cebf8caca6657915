"""The official ONNX backend test suite (node, simple, pytorch-converted, pytorch-operator, light
real models), run through converter.backend. Exclusions come from exclusions.py, each with a reason;
unsupported ops raise unittest.SkipTest (visible as skips), never a silent pass."""
from __future__ import annotations

import os
import re
import unittest

import onnx.backend.test
import pytest

import converter.backend as tf_backend
from converter.errors import UnsupportedOpsError
from tests.conformance.exclusions import EXCLUSIONS


class _SkipUnsupported(tf_backend.TfBackend):
    """Unsupported ops become visible skips: the onnx runner counts its own
    BackendIsNotSupposedToImplementIt as a pass, which would flatter our numbers."""

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        try:
            return super().prepare(model, device, **kwargs)
        except UnsupportedOpsError as error:
            raise unittest.SkipTest(f"unsupported: {error}") from None


class _BackendModule:
    prepare = _SkipUnsupported.prepare
    run_model = _SkipUnsupported.run_model
    run_node = _SkipUnsupported.run_node
    supports_device = _SkipUnsupported.supports_device
    is_compatible = _SkipUnsupported.is_compatible


backend_test = onnx.backend.test.BackendTest(_BackendModule, __name__)
for _pattern in EXCLUSIONS:
    backend_test.exclude(_pattern)
# CONFORMANCE_INCLUDE narrows the run (e.g. "test_conv|test_relu") while working on an op family.
if os.environ.get("CONFORMANCE_INCLUDE"):
    backend_test.include(os.environ["CONFORMANCE_INCLUDE"])

pytestmark = pytest.mark.conformance
globals().update(backend_test.test_cases)
