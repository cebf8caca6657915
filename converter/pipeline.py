"""The whole conversion: load, export, passes, reference, translate, SavedModel, verify, serving, publish."""
from __future__ import annotations

import gc
import logging
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from converter.checkpoint import LoadedCheckpoint, load_checkpoint, run_eager
from converter.config import ConversionConfig
from converter.errors import ParityError
from converter.export import export_to_onnx
from converter.onnx_nodes import weight_bytes_of
from converter.onnx_passes.expose_nhwc_inputs import exposed_nhwc_inputs
from converter.onnx_passes.pipeline import run_passes
from converter.publish import create_staging, publish_staged
from converter.report import (ConversionReport, ReportSignature, ReportSource, op_counts, tool_versions,
                              write_report)
from converter.savedmodel import SignatureSpec
from converter.savedmodel.batch_split import confirm_batch_split, resolve_batch_split
from converter.serving.batching import check_batchable
from converter.stage_timer import StageTimer
from converter.serving.prepare import after_publish, check_version, raise_for, signature_inputs, write_warmup
from converter.translate import ChildTranslation, TranslateSettings
from converter.verify import (UNOPTIMIZED_ONNXRUNTIME, FeedSet, ParityReport, make_feed_sets, onnxruntime_outputs,
                              signature_feeds, specs_from_onnx, verify_saved_model)
from converter.verify.client_parity import check_client_signatures, image_cases
from converter.verify.failure import explain_parity_failure
from converter.verify.stability import PROBE_MAX_WEIGHT_BYTES, PYTORCH_FLOAT64, float64_where_disagreeing, weight_bytes
from converter.workers import ConversionWorkers

logger = logging.getLogger(__name__)

STAGES = ["load", "export", "passes", "reference", "translate", "savedmodel", "verify", "serving", "publish"]


@dataclass
class ConversionResult:
    version: int
    version_dir: Path
    signature: SignatureSpec
    parity: ParityReport
    conversion_report: ConversionReport
    signature_text: str = ""      # the signatures as `saved_model_cli show --all` prints them

    @property
    def report(self) -> dict:
        """The report as JSON data (what assets.extra/conversion_report.json holds, with the publish time)."""
        return self.conversion_report.as_dict()


@dataclass
class _Graph:
    """What the stages before staging hand over: the loaded checkpoint and the ONNX graphs."""
    loaded: object
    exported: object
    input_specs: tuple
    data_dir: str                     # external data (> 2 GB models) lives beside the exported .onnx
    reference_model: object           # canonical ONNX: ONNX Runtime's reference
    translated_model: object          # after the layout passes: what the SavedModel runs
    pass_records: list
    batch_split: int                  # slices the SavedModel runs a batch as (1: unsplit)
    nhwc_inputs: frozenset[str]       # inputs the passes made channels-last (then SignatureSpec.nhwc_inputs)


def convert(config: ConversionConfig, source: LoadedCheckpoint | None = None) -> ConversionResult:
    """`source`: an already-loaded model (the Python API's live nn.Module, ExportedProgram or ScriptModule,
    converter/api/sources.py) instead of loading `config.checkpoint`; every later stage is the same.
    TensorFlow runs in child processes started here (converter/workers.py): this process never imports it."""
    timer = StageTimer(STAGES)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="convert-") as scratch:
        work_dir = Path(config.work_dir or scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        with ConversionWorkers(work_dir) as workers:    # importing TensorFlow there overlaps load and export here
            graph = _load_export_rewrite(config, timer, work_dir, source)
            workers.size_for(weight_bytes_of(graph.reference_model))
            feed_sets = make_feed_sets(graph.input_specs, config.verify_batch_sizes, config.seed,
                                       config.dynamic_axes)
            root_existed = Path(config.serving_root).exists()
            model_dir_existed = (Path(config.serving_root) / config.name).exists()
            staging = create_staging(config.serving_root, config.name)
            published = False
            try:
                client_cases, expected, spec, tf_info = _reference_and_translation(config, timer, graph, feed_sets,
                                                                                   work_dir, staging.path, workers)
                parity, checked = _verify(config, timer, graph, staging.path, spec, feed_sets, expected, workers)
                with timer.stage("serving", "warmup requests, C API load check"):
                    serving_notes = _check_serving(config, staging.path, spec, checked, parity, workers)
                    client_summary = _check_client(config, staging.path, spec, client_cases, feed_sets, expected)
                    batching_choice = _auto_batching(config, staging.path, spec, feed_sets)
                report = _report(config, graph, spec, parity, serving_notes, client_summary, batching_choice,
                                 tf_info.get("tensorflow_version"))
                with timer.stage("publish", str(Path(config.serving_root) / config.name)):
                    def finalize(version: int, path: Path) -> None:
                        write_report(_timed(report, version, timer, workers, began), path)
                    version, version_dir = publish_staged(staging, config.version, config.force, finalize)
                    published = True
                    after_publish(config.serving_root, config.name, config.version_policy, config.version_labels,
                                  config.batching, signature_inputs(spec),
                                  **({**batching_choice.params, "comments": batching_choice.reasons}
                                     if batching_choice is not None else {}))
            except BaseException:
                if not published:        # a published version stays; only the unfinished staging folder goes
                    staging.discard()
                    if not model_dir_existed:
                        _remove_if_empty(staging.model_dir)   # another run may be staging in it: never rmtree
                    if not root_existed:
                        _remove_if_empty(Path(config.serving_root))
                raise
    return ConversionResult(version, version_dir, spec, parity, _timed(report, version, timer, workers, began),
                            tf_info.get("signature_text", ""))


def _load_export_rewrite(config: ConversionConfig, timer: StageTimer, work_dir: Path,
                         source: LoadedCheckpoint | None = None) -> _Graph:
    with timer.stage("load", str(config.checkpoint)):
        loaded = source if source is not None else load_checkpoint(config)
    with timer.stage("export"):
        exported = export_to_onnx(loaded, config, work_dir)
    input_specs = specs_from_onnx(exported.model, config.inputs)
    data_dir = str(Path(exported.onnx_path).parent)
    with timer.stage("passes"):
        reference_model, translated_model, pass_records = run_passes(exported.model, config, data_dir)
        batch_split = resolve_batch_split(translated_model, config.batch_split, config.backend)
    return _Graph(loaded, exported, input_specs, data_dir, reference_model, translated_model, pass_records,
                  batch_split, exposed_nhwc_inputs(translated_model))


def _reference_and_translation(config: ConversionConfig, timer: StageTimer, graph: _Graph, feed_sets: list[FeedSet],
                               work_dir: Path, staging_path: Path, workers: ConversionWorkers):
    """The reference, translate and savedmodel stages: (client cases, references, SignatureSpec, the TF
    process's info). With one TensorFlow process for all, it translates and saves while this process computes
    the references (unless a batch split waits for them to confirm it); a large model's translation starts
    after them, so that each copy of the weights is released before the next one is made."""
    settings = TranslateSettings.from_config(config, work_dir, graph.data_dir, staging_path, _signature_names(config),
                                             graph.batch_split, graph.nhwc_inputs)
    translation = ChildTranslation(graph.translated_model, settings, workers.tensorflow())
    _waiting(workers, "tensorflow", translation.preflight)     # every unsupported op in one error, before the rest
    follow = timer.follow_translation(config.backend)
    if workers.shared and graph.batch_split == 1:
        translation.start(follow)
    client_cases, expected = _reference(config, timer, graph, feed_sets)
    translation.settings = replace(translation.settings, batch_split=graph.batch_split)
    translation.start(follow)           # (started already: nothing to do)
    spec = _waiting(workers, "tensorflow", translation.save)
    timer.end("savedmodel")
    if config.batching:      # refuse before anything is published, not after
        check_batchable(signature_inputs(spec))
    workers.release_tensorflow()     # a large model's translated weights: freed before verification
    return client_cases, expected, spec, translation.info


def _waiting(workers: ConversionWorkers, what: str, call):
    """call(), counting the time as this process waiting for a worker."""
    start = time.perf_counter()
    try:
        return call()
    finally:
        workers.waited(what, time.perf_counter() - start)


def _reference(config: ConversionConfig, timer: StageTimer, graph: _Graph, feed_sets: list[FeedSet]):
    """The reference stage: the client signatures' image cases, PyTorch's and ONNX Runtime's outputs, and
    the batch split confirmed by them."""
    with timer.stage("reference", f"PyTorch and ONNX Runtime on {len(feed_sets)} input sets"):
        client_cases = image_cases(config.client, graph.loaded, graph.reference_model, graph.data_dir,
                                   graph.input_specs, config.seed)    # before the PyTorch model goes
        expected = _reference_outputs(graph, feed_sets)
        plain = [i for i, s in enumerate(feed_sets) if s.label == "normal"]    # only the batch size differs
        graph.batch_split = confirm_batch_split(graph.batch_split, config.batch_split,
                                                [feed_sets[i].batch for i in plain],
                                                [expected["onnxruntime"][i] for i in plain],
                                                [o.name for o in graph.reference_model.graph.output])
    return client_cases, expected


def _reference_outputs(graph: _Graph, feed_sets: list[FeedSet]) -> dict[str, list]:
    """PyTorch eager (when there is a PyTorch model) and ONNX Runtime outputs on every input set, computed
    one after the other before translation: each copy of the weights is released before the next one is
    made (models over 2 GB; a model up to PROBE_MAX_WEIGHT_BYTES stays through ONNX Runtime's run, for the
    float64 check of the input sets where the two disagree). This is the last use of the PyTorch model: no
    reference to it remains (the export released onnxscript's, converter/export/dynamo.py)."""
    expected = {}
    names = [s.name for s in graph.input_specs]
    feeds = [s.feeds for s in feed_sets]
    probe = graph.loaded.module is not None and weight_bytes(graph.loaded) <= PROBE_MAX_WEIGHT_BYTES
    if graph.loaded.module is not None:
        expected["pytorch"] = [run_eager(graph.loaded, f, names) for f in feeds]
        if not probe:
            _release_pytorch(graph)
    # the session (ONNX Runtime's copy) is gone when this returns
    expected["onnxruntime"] = onnxruntime_outputs(graph.reference_model, feeds, graph.data_dir)
    if probe:      # where the references disagree: the model's own float32 instability? (verify/stability.py)
        expected[PYTORCH_FLOAT64] = float64_where_disagreeing(graph.loaded, names, feeds, expected["pytorch"],
                                                              expected["onnxruntime"])
        _release_pytorch(graph)
    if "pytorch" not in expected:   # an .onnx checkpoint: the noise floor's second runtime
        expected[UNOPTIMIZED_ONNXRUNTIME] = onnxruntime_outputs(graph.reference_model, feeds, graph.data_dir,
                                                                optimize=False)
    return expected


def _release_pytorch(graph: _Graph) -> None:
    graph.loaded = replace(graph.loaded, module=None)
    gc.collect()       # the model sits in reference cycles: free its weights before ONNX Runtime's copy


def _verify(config: ConversionConfig, timer: StageTimer, graph: _Graph, saved_model_dir: Path, spec: SignatureSpec,
            feed_sets: list[FeedSet], expected: dict[str, list],
            workers: ConversionWorkers) -> tuple[ParityReport, list]:
    """Parity of the SavedModel against the references; raises ParityError with the diagnosis.
    Returns the report and [(feed set, SavedModel outputs)] of the plain input sets."""
    with timer.stage("verify", f"batch sizes {', '.join(map(str, config.verify_batch_sizes))}"):
        parity, served = verify_saved_model(saved_model_dir, config.signature, spec, feed_sets, expected,
                                            config.atol, config.rtol, calibrated=not config.explicit_tolerance,
                                            worker=workers.tensorflow())
        if not parity.passed or config.diagnose:
            from converter.translate import stage as translate_stage    # TensorFlow, here: only to diagnose

            explanation = explain_parity_failure(parity, graph.exported, graph.reference_model, feed_sets, config,
                                                 translate_stage.load_default_registry())
            if not parity.passed:
                logger.error("parity check failed:\n%s", parity.table())
                if graph.batch_split > 1:
                    explanation += (f"\nBatches of {graph.batch_split} or more ran as {graph.batch_split} slices "
                                    "(--batch-split); if the model mixes samples across the batch, convert "
                                    "with --batch-split off.")
                raise ParityError(explanation)
            parity.warnings.append(explanation)
    return parity, [(s, out) for s, out in zip(feed_sets, served) if s.label == "normal"]


def _noise_by_batch(parity: ParityReport, checked: list) -> dict[int, dict[str, float]]:
    """The references' noise floor per plain input set's batch and output key (the largest over references)."""
    floors: dict[int, dict[str, float]] = {}
    batches = {s.batch for s, _ in checked}
    for row in parity.rows:
        if row.inputs == "normal" and row.batch in batches and row.noise_floor is not None:
            per_batch = floors.setdefault(row.batch, {})
            per_batch[row.output] = max(per_batch.get(row.output, 0.0), row.noise_floor)
    return floors


def _check_serving(config: ConversionConfig, saved_model_dir: Path, spec: SignatureSpec, checked: list,
                   parity: ParityReport, workers: ConversionWorkers) -> list[str]:
    """Warmup requests (written with TensorFlow, in its process), then TF Serving's own loader (C API) in the
    serving process, compared with verify."""
    feeds_by_batch = {s.batch: signature_feeds(spec, s.feeds) for s, _ in checked}
    warmup_path, warmup_feeds = write_warmup(saved_model_dir, config.name, config.signature, feeds_by_batch,
                                             config.warmup_batch_sizes, worker=workers.tensorflow())
    workers.release_tensorflow()         # a large model: verification's process is gone before the C API loads
    serving = check_version(saved_model_dir, config.signature, feeds_by_batch, {s.batch: out for s, out in checked},
                            warmup_feeds, config.warmup_batch_sizes, warmup_path, config.atol, config.rtol,
                            config.serving_version,
                            None if config.explicit_tolerance else _noise_by_batch(parity, checked),
                            worker=workers.serving())
    raise_for(serving.check)
    return serving.notes


def _check_client(config: ConversionConfig, saved_model_dir: Path, spec: SignatureSpec, cases, feed_sets: list,
                  expected: dict) -> dict | None:
    """The client signatures (issue 21) through the C API loader, against the references; warmup records."""
    if not config.client.enabled:
        return None
    from converter.savedmodel.client_signatures import labelled_output

    index = next(i for i, s in enumerate(feed_sets) if s.label == "normal")
    label_index = [o.key for o in spec.outputs].index(labelled_output(spec, config.client).key)
    reference = expected.get("pytorch", expected["onnxruntime"])[index][label_index]
    return check_client_signatures(saved_model_dir, spec, config.client, cases,
                                   signature_feeds(spec, feed_sets[index].feeds), np.asarray(reference),
                                   config.atol, config.rtol, config.name)


def _auto_batching(config: ConversionConfig, saved_model_dir: Path, spec: SignatureSpec, feed_sets: list):
    """--batching auto: batching parameters from the staged model's latency curve (converter/serving/batching_auto)."""
    if not (config.batching and config.batching_auto):
        return None
    from converter.serving.batching_auto import auto_batching

    feeds = next(s for s in feed_sets if s.label == "normal").feeds
    return auto_batching(saved_model_dir, config.name, config.signature, signature_feeds(spec, feeds),
                         config.latency_budget_ms)


def _report(config: ConversionConfig, graph: _Graph, spec: SignatureSpec, parity: ParityReport,
            serving_notes: list[str], client_summary: dict | None, batching_choice,
            tensorflow_version: str | None) -> ConversionReport:
    loaded, exported = graph.loaded, graph.exported
    return ConversionReport(
        model_name=config.name,
        source=ReportSource(str(config.checkpoint), loaded.format, tuple(loaded.notes)),
        exporter=exported.exporter, opset=exported.opset, backend=config.backend, batch_split=graph.batch_split,
        signature=ReportSignature(_signature_names(config), "tensorflow/serving/predict",
                                  tuple(t.as_dict() for t in spec.inputs), tuple(t.as_dict() for t in spec.outputs),
                                  spec.renamed()),
        op_counts={"exported": op_counts(exported.model), "translated": op_counts(graph.translated_model)},
        passes=tuple({"name": r.name, "modified": r.modified, "op_count_diff": r.op_count_diff}
                     for r in graph.pass_records),
        parity=parity.as_dict(),
        warnings=(*exported.warnings, *parity.warnings, *serving_notes),
        tool_versions=tool_versions(tensorflow_version),
        client_signatures=client_summary or None,
        batching=batching_choice.as_dict() if batching_choice is not None else None)


def _timed(report: ConversionReport, version: int, timer: StageTimer, workers: ConversionWorkers,
           began: float) -> ConversionReport:
    """The report with its version, the stage timings, and the whole conversion's and its processes' seconds."""
    process_seconds = {"conversion": round(time.perf_counter() - began, 3), **workers.seconds}
    stages = {name: timer.seconds[name] for name in [*STAGES, *timer.seconds] if name in timer.seconds}
    return replace(report, version=version, stage_seconds=stages, process_seconds=process_seconds)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _signature_names(config: ConversionConfig) -> tuple[str, ...]:
    return tuple(dict.fromkeys((config.signature, "serving_default")))

