"""The official ONNX backend test suite (node, simple, pytorch-converted, pytorch-operator, light
real models), run through converter.backend. Exclusions come from exclusions.py, each with a reason;
unsupported ops raise unittest.SkipTest (visible as skips), never a silent pass.
CONFORMANCE_INCLUDE='regex' narrows the run (e.g. "test_conv|test_relu") while working on an op family."""
from __future__ import annotations

import os

import pytest

from tests.conformance.suite import backend_test_cases

pytestmark = pytest.mark.conformance
globals().update(backend_test_cases(__name__, include=os.environ.get("CONFORMANCE_INCLUDE")))
