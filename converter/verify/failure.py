"""Turn a failed (or --diagnose) parity check into a message that says where and why."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from converter.config import ConversionConfig
from converter.verify.compare import ParityReport
from converter.verify.inputs import FeedSet

logger = logging.getLogger(__name__)


def generalization_problem(parity: ParityReport, export_warnings: tuple[str, ...] | list[str]) -> str:
    """The plain statement that the exported graph does not generalize, only on evidence, else "".

    Evidence is the exported graph itself (ONNX Runtime on it) disagreeing with PyTorch far beyond float
    noise on some input sets while matching at noise on others, or the tracer's own warnings about a
    data-dependent branch. A near-tolerance difference of our translation is never evidence: it is
    float noise or a translation bug, which the per-node diagnosis localises."""
    sites = [m.group(1) for w in export_warnings if w.startswith("tracer:")
             for m in [re.search(r"\(at ([^)]+)\)", w)] if m]
    failing_sets = {(r.batch, r.inputs) for r in parity.failures()}
    if not failing_sets:
        return ""
    sets = _reference_agreement(parity)
    disagree = [f"batch {b} {label}" for (b, label), noise in sets.items() if not noise]
    agree = [f"batch {b} {label}" for (b, label), noise in sets.items() if noise]
    if disagree and agree:
        evidence = (f"ONNX Runtime on the exported graph matches PyTorch on {', '.join(agree)} but not on "
                    f"{', '.join(disagree)}")
    elif sites and (disagree or not sets):
        evidence = "the tracer warned while exporting"
    else:
        return ""
    if sites:
        return (f"the exported graph does not generalize: it was traced through data-dependent control flow at "
                f"{', '.join(dict.fromkeys(sites))} ({evidence}); script that part or use the torch.export path "
                f"(--exporter dynamo)")
    return (f"the exported graph does not generalize ({evidence}): the export baked in something that holds only "
            f"for inputs like the export example (a data-dependent branch or size); check those inputs in PyTorch "
            f"and try the other exporter (--exporter dynamo or torchscript)")


def _reference_agreement(parity: ParityReport) -> dict[tuple[int, str], bool]:
    """(batch, inputs) -> whether PyTorch and ONNX Runtime agree to float noise on every output."""
    sets: dict[tuple[int, str], bool] = {}
    for gap in parity.gaps:
        key = (gap.batch, gap.inputs)
        sets[key] = sets.get(key, True) and gap.is_noise
    return sets


def explain_parity_failure(parity: ParityReport, exported, reference_model, feed_sets: list[FeedSet],
                           config: ConversionConfig, registry) -> str:
    """One message: the worst output, whether the graph generalizes, and the first divergent node
    (diagnosis.json and diagnosis.png are written to <serving root>/../diagnosis/<name>/)."""
    parts = []
    failures = parity.failures()
    if failures:
        worst = max(failures, key=lambda r: r.max_abs)
        floor = (f", {worst.noise_ratio:.3g}x the float32 noise floor {worst.noise_floor:.3g} measured between "
                 f"{parity.floor_between}" if worst.noise_ratio is not None else "")
        parts.append(f"output {worst.output!r} differs from {worst.reference} at batch {worst.batch} "
                     f"({worst.inputs} inputs; max abs {worst.max_abs:.3g}, max rel {worst.max_rel:.3g}; "
                     f"tolerance atol {config.atol}, rtol {config.rtol}{floor}); nothing was published")
        problem = generalization_problem(parity, exported.warnings)
        if problem:
            parts.append(problem)
    parts.append(_localise(parity, reference_model, feed_sets, config, registry))
    return "; ".join(p for p in parts if p)


def _localise(parity: ParityReport, reference_model, feed_sets: list[FeedSet], config: ConversionConfig,
              registry) -> str:
    from converter.diagnose import localise_divergence, write_diagnosis

    failing = {(r.batch, r.inputs) for r in parity.failures() if r.reference == "onnxruntime"}
    chosen = next((s for s in feed_sets if (s.batch, s.label) in failing), feed_sets[0])
    out_dir = Path(config.serving_root).resolve().parent / "diagnosis" / config.name
    try:
        diagnosis = localise_divergence(reference_model, chosen.feeds, registry, config.atol, config.rtol)
    except Exception as error:  # noqa: BLE001 - the diagnosis is a help; never hide the parity result behind it
        logger.warning("could not localise the divergence: %s", error)
        return ""
    if not failing and parity.failures():
        diagnosis.note = ("the TF translation matches ONNX Runtime node by node: the difference is between "
                          "PyTorch and the exported ONNX graph (an exporter issue, or a graph that does not generalize)")
    json_path, png_path = write_diagnosis(diagnosis, out_dir)
    logger.info("diagnosis written to %s%s", json_path, f" and {png_path}" if png_path else "")
    return f"{diagnosis.summary()} (details: {json_path})"
