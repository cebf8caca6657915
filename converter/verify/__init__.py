"""Stage 7: run the staged SavedModel as TF Serving would and compare it with PyTorch and ONNX Runtime."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np
import onnx

from converter.savedmodel import SignatureSpec
from converter.verify.compare import OutputDiff, ParityReport, compare_output
from converter.verify.inputs import make_feeds, specs_from_onnx
from converter.verify.session_runner import run_in_subprocess

__all__ = ["verify_saved_model", "ParityReport", "OutputDiff", "make_feeds", "specs_from_onnx",
           "onnxruntime_reference"]

logger = logging.getLogger(__name__)

# A reference takes feeds by ONNX input name and returns outputs in ONNX output order.
Reference = Callable[[dict[str, np.ndarray]], list[np.ndarray]]


def onnxruntime_reference(model: onnx.ModelProto | Path) -> Reference:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return lambda feeds: session.run(names, feeds)


def verify_saved_model(saved_model_dir: Path, signature: str, spec: SignatureSpec,
                       feeds_by_batch: dict[int, dict[str, np.ndarray]], references: dict[str, Reference],
                       atol: float, rtol: float, nhwc_inputs: frozenset[str] = frozenset()) -> ParityReport:
    """Compare the SavedModel (run in a separate TF1-session process) with every reference at every batch."""
    batches = sorted(feeds_by_batch)
    served = run_in_subprocess(saved_model_dir, signature,
                               [_signature_feeds(spec, feeds_by_batch[b], nhwc_inputs) for b in batches])
    report = ParityReport(atol, rtol)
    for batch, outputs in zip(batches, served):
        for reference_name, reference in references.items():
            expected = reference(feeds_by_batch[batch])
            if len(expected) != len(spec.outputs):
                report.warnings.append(f"{reference_name} returned {len(expected)} outputs, the signature has "
                                       f"{len(spec.outputs)}; compared the first {min(len(expected), len(spec.outputs))}")
            for info, reference_value in zip(spec.outputs, expected):
                report.rows.append(compare_output(batch, reference_name, info.key, outputs[info.key],
                                                  np.asarray(reference_value), atol, rtol))
    return report


def _signature_feeds(spec: SignatureSpec, feeds: dict[str, np.ndarray], nhwc_inputs: frozenset[str]) -> dict:
    """Feeds keyed by signature key; inputs published as NHWC (--io-layout nhwc) are transposed."""
    result = {}
    for info in spec.inputs:
        value = feeds[info.onnx_name]
        if info.onnx_name in nhwc_inputs:
            value = np.moveaxis(value, 1, -1)
        result[info.key] = value
    return result
