"""Stage 7: run the staged SavedModel as TF Serving would and compare it with PyTorch and ONNX Runtime."""
from __future__ import annotations

import logging
from pathlib import Path
import numpy as np
import onnx

from converter.child import EIGEN_KERNELS
from converter.errors import BadInputError, ConverterError, InternalError, UnsupportedModelError, first_line
from converter.savedmodel import SignatureSpec
from converter.verify.compare import (NOISE_MULTIPLE, OutputDiff, ParityReport, ReferenceGap, compare_output,
                                      differences, noise_floor)
from converter.verify.inputs import FeedSet, make_feed_sets, make_feeds, specs_from_onnx
from converter.verify.session_runner import run_in_subprocess
from converter.verify.stability import PYTORCH_FLOAT64, instability

__all__ = ["verify_saved_model", "ParityReport", "OutputDiff", "FeedSet", "make_feed_sets", "make_feeds",
           "specs_from_onnx", "onnxruntime_outputs", "onnxruntime_session", "UNOPTIMIZED_ONNXRUNTIME"]

logger = logging.getLogger(__name__)



# onnxruntime 1.31 reads IR versions up to 13, while onnx 1.23's helpers write 14 by default; the graph
# features we use exist at 13, so the copy given to ONNX Runtime declares at most that.
ONNXRUNTIME_MAX_IR_VERSION = 13


def onnxruntime_session(model: onnx.ModelProto, optimize: bool = True, external_data_dir: str | None = None):
    import onnxruntime as ort

    if model.ir_version > ONNXRUNTIME_MAX_IR_VERSION:
        clamped = onnx.ModelProto()
        clamped.CopyFrom(model)
        clamped.ir_version = ONNXRUNTIME_MAX_IR_VERSION
        model = clamped
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not optimize:   # keep every node as it is (per-node diagnosis)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if external_data_dir:   # a model loaded from bytes finds its external data files here
        options.add_session_config_entry("session.model_external_initializers_file_folder_path", external_data_dir)
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def onnxruntime_outputs(model: onnx.ModelProto, feeds_list: list[dict[str, np.ndarray]],
                        external_data_dir: str | None = None, optimize: bool = True) -> list[list[np.ndarray]]:
    """ONNX Runtime's outputs on every input set; the session (a copy of the weights) is gone on return."""
    try:
        session = onnxruntime_session(model, optimize, external_data_dir)
        names = [o.name for o in session.get_outputs()]
        return [session.run(names, feeds) for feeds in feeds_list]
    except Exception as error:  # noqa: BLE001 - onnxruntime raises several unrelated exception types
        raise UnsupportedModelError(f"ONNX Runtime, the verification reference, cannot run the graph "
                                    f"({(first_line(error) or type(error).__name__)[:300]}); parity cannot be "
                                    "proven") from None


# The references the SavedModel is compared with; ONNX Runtime without graph optimizations only serves as
# the noise floor's second runtime when there is no PyTorch model (an .onnx checkpoint).
COMPARED_REFERENCES = ("pytorch", "onnxruntime")
UNOPTIMIZED_ONNXRUNTIME = "onnxruntime-unoptimized"


def verify_saved_model(saved_model_dir: Path, signature: str, spec: SignatureSpec, feed_sets: list[FeedSet],
                       expected: dict[str, list[list[np.ndarray]]], atol: float, rtol: float,
                       calibrated: bool = False, worker=None) -> tuple[ParityReport, list[dict]]:
    """Compare the SavedModel (run in a TF1 session in a TensorFlow child process with Eigen's kernels:
    `worker`, the conversion's TensorFlow worker, or a process of its own) with every reference's outputs
    (`expected[reference][i]` for feed_sets[i], in ONNX output order), computed beforehand so that no
    reference holds its copy of the weights meanwhile. Returns the report and the SavedModel's outputs
    per input set (keyed by signature output key)."""
    try:
        served = run_in_subprocess(saved_model_dir, signature, [signature_feeds(spec, s.feeds) for s in feed_sets],
                                   kernels=EIGEN_KERNELS, worker=worker)    # the serving load check runs oneDNN's
    except ConverterError as error:       # the SavedModel we wrote does not run: our bug, not the model's
        raise InternalError(str(error)) from None
    pair = _floor_pair(expected)
    report = ParityReport(atol, rtol, calibrated, floor_between=" and ".join(pair) if pair else "")
    for index, (feed_set, outputs) in enumerate(zip(feed_sets, served)):
        floors, unstable = _noise_floors(expected, pair, index, spec, feed_set, atol, rtol, report)
        for reference_name in (r for r in COMPARED_REFERENCES if r in expected):
            reference_values = expected[reference_name][index]
            if len(reference_values) != len(spec.outputs):
                report.warnings.append(f"{reference_name} returned {len(reference_values)} outputs, the signature "
                                       f"has {len(spec.outputs)}; compared the first "
                                       f"{min(len(reference_values), len(spec.outputs))}")
            _refuse_non_finite(reference_values, spec, reference_name, feed_set)
            for info, reference_value, floor, shaky in zip(spec.outputs, reference_values, floors, unstable):
                report.rows.append(compare_output(feed_set.batch, reference_name, info.key, outputs[info.key],
                                                  np.asarray(reference_value), atol, rtol, feed_set.label,
                                                  floor, calibrated, shaky))
    return report, served


def _floor_pair(expected: dict) -> tuple[str, str] | None:
    for pair in (("pytorch", "onnxruntime"), ("onnxruntime", UNOPTIMIZED_ONNXRUNTIME)):
        if all(name in expected for name in pair):
            return pair
    return None


def _noise_floors(expected: dict, pair, index: int, spec: SignatureSpec, feed_set: FeedSet, atol: float,
                  rtol: float, report: ParityReport) -> tuple[list[float | None], list[bool]]:
    """Per output: how far the two references are apart on this input set (recorded as a ReferenceGap), and
    whether a gap beyond float noise is shown to be the model's float32 instability (a warning says so)."""
    if pair is None:
        return [None] * len(spec.outputs), [False] * len(spec.outputs)
    floors, unstable = [], []
    float64 = expected.get(PYTORCH_FLOAT64) or []
    float64 = (float64[index] if index < len(float64) else None) or [None] * len(spec.outputs)
    for info, first, second, wide in zip(spec.outputs, expected[pair[0]][index], expected[pair[1]][index], float64):
        floor = noise_floor(first, second)
        floors.append(floor)
        evidence = ""
        if floor is not None:
            found = differences(first, second, atol, rtol)
            evidence = "" if found.within else instability(floor, found.scale, UNOPTIMIZED_ONNXRUNTIME in pair,
                                                            first, wide)
            report.gaps.append(ReferenceGap(feed_set.batch, feed_set.label, info.key, floor, found.scale,
                                            found.within, evidence))
            if evidence:
                report.warnings.append(
                    f"output {info.key!r} at batch {feed_set.batch}, {feed_set.label} inputs: the model is numerically "
                    f"unstable in float32 there ({evidence}, max |output| {found.scale:.3g}), so the references "
                    f"disagree; compared within {NOISE_MULTIPLE:g}x that spread")
        unstable.append(bool(evidence))
    return floors, unstable


def _refuse_non_finite(expected: list, spec: SignatureSpec, reference_name: str, feed_set: FeedSet) -> None:
    """NaN/Inf in the reference outputs on ordinary seeded inputs: parity cannot be proven, so nothing is published."""
    for info, value in zip(spec.outputs, expected):
        array = np.asarray(value)
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            raise BadInputError(f"output {info.onnx_name!r} of the model contains NaN or Inf ({reference_name}, batch "
                                f"{feed_set.batch}, {feed_set.label} inputs); parity cannot be proven on such outputs: "
                                "fix the model, or narrow integer inputs with --input-range")


def signature_feeds(spec: SignatureSpec, feeds: dict[str, np.ndarray]) -> dict:
    """Feeds keyed by signature key; inputs published as NHWC (--io-layout nhwc) are transposed."""
    result = {}
    for info in spec.inputs:
        value = feeds[info.onnx_name]
        if info.onnx_name in spec.nhwc_inputs:
            value = np.moveaxis(value, 1, -1)
        result[info.key] = value
    return result
