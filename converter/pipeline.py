"""The whole conversion: load -> export -> passes -> translate -> SavedModel -> verify -> publish."""
from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from converter.checkpoint import load_checkpoint, run_eager
from converter.config import ConversionConfig
from converter.errors import ParityError
from converter.export import export_to_onnx
from converter.onnx_passes.pipeline import run_passes
from converter.publish import create_staging, publish_staged
from converter.report import op_counts, tool_versions, write_report
from converter.savedmodel import SignatureSpec, export_saved_model
from converter.stages import StageTimer
from converter.translate_stage import translate
from converter.verify import ParityReport, make_feeds, onnxruntime_reference, specs_from_onnx, verify_saved_model

logger = logging.getLogger(__name__)

STAGES = ["load", "export", "passes", "translate", "savedmodel", "verify", "serving", "publish"]


@dataclass
class ConversionResult:
    version: int
    version_dir: Path
    signature: SignatureSpec
    parity: ParityReport
    report: dict = field(default_factory=dict)


def convert(config: ConversionConfig) -> ConversionResult:
    timer = StageTimer(STAGES)
    with tempfile.TemporaryDirectory(prefix="convert-") as scratch:
        work_dir = Path(config.work_dir or scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        with timer.stage("load", str(config.checkpoint)):
            loaded = load_checkpoint(config)
        with timer.stage("export"):
            exported = export_to_onnx(loaded, config, work_dir)
        input_specs = specs_from_onnx(exported.model, config.inputs)
        with timer.stage("passes"):
            reference_model, translated_model, pass_records = run_passes(exported.model, config)
        with timer.stage("translate", f"backend {config.backend}"):
            module = translate(translated_model, config, work_dir)
        model_dir_existed = (Path(config.serving_root) / config.name).exists()
        staging = create_staging(config.serving_root, config.name)
        try:
            with timer.stage("savedmodel"):
                spec = export_saved_model(module, translated_model, staging.path, _signature_names(config))
            with timer.stage("verify", f"batch sizes {', '.join(map(str, config.verify_batch_sizes))}"):
                feeds = {b: make_feeds(input_specs, b, config.seed) for b in config.verify_batch_sizes}
                references = {"onnxruntime": onnxruntime_reference(reference_model)}
                if loaded.module is not None:
                    names = [s.name for s in input_specs]
                    references = {"pytorch": lambda f: run_eager(loaded, f, names), **references}
                parity = verify_saved_model(staging.path, config.signature, spec, feeds, references,
                                            config.atol, config.rtol, _nhwc_inputs(translated_model))
                if not parity.passed:
                    worst = max(parity.failures(), key=lambda r: r.max_abs)
                    logger.error("parity check failed:\n%s", parity.table())
                    raise ParityError(f"output {worst.output!r} differs from {worst.reference} at batch {worst.batch} "
                                      f"(max abs {worst.max_abs:.3g}, max rel {worst.max_rel:.3g}; tolerance atol "
                                      f"{config.atol}, rtol {config.rtol}); nothing was published")
            with timer.stage("serving"):
                serving_notes = _prepare_serving_files(staging.path, config, spec, feeds)
            report = {
                "model_name": config.name,
                "source": {"checkpoint": str(config.checkpoint), "format": loaded.format, "notes": list(loaded.notes)},
                "exporter": exported.exporter, "opset": exported.opset,
                "backend": config.backend,
                "signature": {"names": list(_signature_names(config)),
                              "method_name": "tensorflow/serving/predict",
                              "inputs": [t.as_dict() for t in spec.inputs],
                              "outputs": [t.as_dict() for t in spec.outputs],
                              "renamed": spec.renamed()},
                "op_counts": {"exported": op_counts(exported.model), "translated": op_counts(translated_model)},
                "passes": [{"name": r.name, "modified": r.modified, "op_count_diff": r.op_count_diff}
                           for r in pass_records],
                "parity": parity.as_dict(),
                "warnings": list(exported.warnings) + parity.warnings + serving_notes,
                "tool_versions": tool_versions(),
            }
            with timer.stage("publish", str(Path(config.serving_root) / config.name)):
                def finalize(version: int, path: Path) -> None:
                    report["version"] = version
                    report["stage_seconds"] = dict(timer.seconds)
                    write_report(report, path)
                version, version_dir = publish_staged(staging, config.version, config.force, finalize)
                _after_publish(config)
        except BaseException:
            staging.discard()
            if not model_dir_existed:
                shutil.rmtree(staging.model_dir, ignore_errors=True)
            raise
    report["stage_seconds"] = dict(timer.seconds)
    return ConversionResult(version, version_dir, spec, parity, report)


def _signature_names(config: ConversionConfig) -> tuple[str, ...]:
    return tuple(dict.fromkeys((config.signature, "serving_default")))


def _nhwc_inputs(model) -> frozenset[str]:
    for prop in model.metadata_props:
        if prop.key == "converter.nhwc_inputs":
            return frozenset(n for n in prop.value.split(",") if n)
    return frozenset()


def _prepare_serving_files(staging_path: Path, config: ConversionConfig, spec: SignatureSpec, feeds) -> list[str]:
    """Warmup requests and the C-API serving load check (TF Serving's own loader), inside the staging folder."""
    return []


def _after_publish(config: ConversionConfig) -> None:
    """Regenerate models.config (and batching parameters) for TF Serving."""
