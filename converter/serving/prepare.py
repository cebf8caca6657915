"""The two serving steps of a conversion, ready for converter/pipeline.py to call.

prepare_version(): inside the staging folder, before publish: write the warmup file (write_warmup), then
load the folder with TF's C API in a fresh process, replay the warmup requests and run the verification
feeds, compare with the expected outputs and check the ops (check_version). The pipeline calls the two
halves itself, each in the conversion's worker for it (converter/workers.py); this module imports no
TensorFlow (the warmup writer does, in whichever process writes the file).
after_publish(): regenerate serving_models/models.config and, with --batching, the batching file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from converter.errors import ParityError, UnsupportedModelError
from converter.serving.batching import write_batching_parameters
from converter.child import ONEDNN_KERNELS
from converter.serving.load_check import ServingCheckReport, run_load_check
from converter.serving.model_config import CONFIG_FILENAME, ModelPolicy, write_models_config

log = logging.getLogger(__name__)
DEFAULT_POLICY = ModelPolicy()


@dataclass
class ServingPreparation:
    warmup_path: Path | None
    check: ServingCheckReport
    notes: list[str]


def resize_batch(feeds: dict[str, np.ndarray], batch: int) -> dict[str, np.ndarray]:
    """The same inputs with dim 0 cut or cycled to `batch` rows (warmup needs realistic, not new, data)."""
    return {k: np.take(np.asarray(v), np.arange(batch) % max(len(v), 1), axis=0) for k, v in feeds.items()}


def signature_inputs(spec) -> dict[str, tuple[tuple[int, ...], str]]:
    """SignatureSpec inputs as {key: (shape with -1 for dynamic dims, dtype)} for the batching check."""
    return {info.key: (tuple(-1 if d is None else int(d) for d in info.shape), info.dtype) for info in spec.inputs}


def prepare_version(version_dir: Path, model_name: str, signature_name: str,
                    feeds_by_batch: dict[int, dict[str, np.ndarray]],
                    expected_by_batch: dict[int, dict[str, np.ndarray]] | None,
                    warmup_batch_sizes: tuple[int, ...] = (1, 8), atol: float = 1e-4, rtol: float = 1e-3,
                    serving_version: str | None = None,
                    noise_by_batch: dict[int, dict[str, float]] | None = None) -> ServingPreparation:
    """feeds/expected keyed by batch then by signature key; `noise_by_batch`: the references' noise floor
    per batch and output key (calibrated comparison; None: strict). The C API run uses oneDNN's kernels, the
    other family than verification's (converter/child.py). Raises nothing for parity; see raise_for().
    write_warmup() then check_version(), in this process and a child of its own."""
    warmup_path, warmup_feeds = write_warmup(version_dir, model_name, signature_name, feeds_by_batch,
                                             warmup_batch_sizes)
    return check_version(version_dir, signature_name, feeds_by_batch, expected_by_batch, warmup_feeds,
                         warmup_batch_sizes, warmup_path, atol, rtol, serving_version, noise_by_batch)


def write_warmup(version_dir: Path, model_name: str, signature_name: str,
                 feeds_by_batch: dict[int, dict[str, np.ndarray]], warmup_batch_sizes: tuple[int, ...],
                 worker=None) -> tuple[Path | None, list[dict[str, np.ndarray]]]:
    """The warmup file (requests of the largest batch's feeds cut or cycled to each warmup batch size),
    written by `worker` (a TensorFlow ChildWorker: the file is written with TF) or in this process.
    Returns its path (None without warmup batch sizes) and the warmup feeds."""
    if not warmup_batch_sizes:
        return None, []
    base = feeds_by_batch[sorted(feeds_by_batch)[-1]]
    warmup_feeds = [resize_batch(base, b) for b in warmup_batch_sizes]
    if worker is None:
        from converter.serving.warmup import write_warmup_requests     # imports TensorFlow

        return write_warmup_requests(version_dir, model_name, signature_name, warmup_feeds), warmup_feeds
    task = worker.task(_write_warmup_in_child, "serving")
    for index, feeds in enumerate(warmup_feeds):
        np.savez(task.scratch / f"warmup{index}.npz", **feeds)
    path = task.submit({"version_dir": str(Path(version_dir).resolve()), "model_name": model_name,
                        "signature_name": signature_name, "requests": len(warmup_feeds)}).result()
    return Path(path), warmup_feeds


def _write_warmup_in_child(request: dict, context) -> str:
    from converter.serving.warmup import write_warmup_requests

    feeds = [dict(np.load(context.scratch / f"warmup{index}.npz")) for index in range(request["requests"])]
    return str(write_warmup_requests(Path(request["version_dir"]), request["model_name"], request["signature_name"],
                                     feeds))


def check_version(version_dir: Path, signature_name: str, feeds_by_batch: dict[int, dict[str, np.ndarray]],
                  expected_by_batch: dict[int, dict[str, np.ndarray]] | None,
                  warmup_feeds: list[dict[str, np.ndarray]], warmup_batch_sizes: tuple[int, ...],
                  warmup_path: Path | None = None, atol: float = 1e-4, rtol: float = 1e-3,
                  serving_version: str | None = None, noise_by_batch: dict[int, dict[str, float]] | None = None,
                  worker=None) -> ServingPreparation:
    """Load the folder with TF's C API (oneDNN's kernels) in `worker` (a serving ChildWorker) or a child of
    its own; run the verification feeds and the warmup requests; compare with the expected outputs."""
    batches = sorted(feeds_by_batch)
    feed_sets = [feeds_by_batch[b] for b in batches] + warmup_feeds
    expected = [(expected_by_batch or {}).get(b) for b in batches] + [None] * len(warmup_feeds)
    labels = [f"batch {b}" for b in batches] + [f"warmup batch {b}" for b in warmup_batch_sizes]
    runs = [{"feed_set": i, "signatures": [signature_name], "label": labels[i]} for i in range(len(feed_sets))]
    noise = [(noise_by_batch or {}).get(b) for b in batches] + [None] * len(warmup_feeds)
    check = run_load_check(version_dir, feed_sets, runs, expected, atol, rtol, serving_version, noise_sets=noise,
                           kernels=ONEDNN_KERNELS, worker=worker)
    notes = [f"serving check: {w}" for w in check.warnings]
    log.info("%s", check.summary())
    return ServingPreparation(warmup_path, check, notes)


def raise_for(check: ServingCheckReport) -> None:
    """The pipeline's policy: op problems or run errors -> UnsupportedModelError, parity -> ParityError."""
    if check.ok:
        return
    first = check.problems[0]
    if not check.ops_ok or any(s.error for s in check.signatures.values()):
        raise UnsupportedModelError(f"TF Serving could not run {check.version_dir}: {first}")
    raise ParityError(f"the SavedModel loaded by TF's C API (as TF Serving loads it) differs: {first}")


def after_publish(serving_root: Path, model_name: str, policy: str = "latest:1",
                  labels: tuple[tuple[str, int], ...] = (), batching: bool = False,
                  signature_inputs: dict[str, tuple[tuple[int, ...], str]] | None = None,
                  base_path_prefix: str = "/models", **batching_params) -> list[Path]:
    """Regenerate models.config (keeping other models' and, for the default policy, this model's settings)."""
    serving_root = Path(serving_root)
    wanted = ModelPolicy(policy, tuple(labels))
    overrides = {} if (wanted == DEFAULT_POLICY and (serving_root / CONFIG_FILENAME).exists()) else {model_name: wanted}
    written = [write_models_config(serving_root, overrides, base_path_prefix)]
    if batching:
        written.append(write_batching_parameters(serving_root, signature_inputs or {}, **batching_params))
    return written
