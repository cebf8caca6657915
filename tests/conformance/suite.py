"""Build the official ONNX backend test classes for a given `prepare`, shared by the plain run
(tests/conformance/test_onnx_backend.py) and the run with the layout passes (tests/onnx_passes/).

Exclusions (tests/conformance/exclusions.py) show as skips with their pattern; unsupported ops raise
unittest.SkipTest (the runner's own BackendIsNotSupposedToImplementIt would count as a pass). An
`include` regex drops the other cases from the classes instead of reporting thousands of skips; the
CUDA twins of every case are dropped the same way (this backend runs on CPU).
"""
from __future__ import annotations

import re
import unittest

import onnx.backend.test

import converter.backend as tf_backend
from converter.errors import UnsupportedOpsError
from tests.conformance.exclusions import EXCLUSIONS


def backend_test_cases(module_name: str, rewrite=None, include: str | None = None) -> dict:
    """{class name: TestCase class} running every case through our backend, after `rewrite(model)`."""

    class Backend(tf_backend.TfBackend):
        @classmethod
        def prepare(cls, model, device="CPU", **kwargs):
            try:
                return super().prepare(rewrite(model) if rewrite else model, device, **kwargs)
            except UnsupportedOpsError as error:
                raise unittest.SkipTest(f"unsupported: {error}") from None

    class BackendModule:
        prepare = Backend.prepare
        run_model = Backend.run_model
        run_node = Backend.run_node
        supports_device = Backend.supports_device
        is_compatible = Backend.is_compatible

    runner = onnx.backend.test.BackendTest(BackendModule, module_name)
    for pattern in EXCLUSIONS:
        runner.exclude(pattern)
    cases = runner.test_cases
    wanted = re.compile(include) if include else None
    for test_class in cases.values():
        for name in [n for n in vars(test_class) if n.startswith("test_")]:
            # This backend is CPU-only (TF Serving's CPU build): the CUDA twin of every case is not ours to run.
            if name.endswith("_cuda") or (wanted and not wanted.search(name)):
                delattr(test_class, name)
    return cases
