"""Serving load check: load a version folder the way tensorflow_model_server does, run it, compare.

The work happens in a fresh child process (converter/serving/load_child.py) that uses only TF's C API,
so nothing registered by this process's Python (py_function, load_op_library) can hide a problem.
Parity misses are reported, not raised: the caller decides. Load failures raise ConverterError
subclasses with one-line messages.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from converter.child import ChildProcess
from converter.errors import BadInputError, ConverterError, UnsupportedModelError
from converter.serving import load_child
from converter.verify.compare import NOISE_MULTIPLE
from converter.verify.compare import compare_output as compare_with_reference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputCheck:
    """One signature output compared with its expected value (converter.verify.compare.differences)."""

    key: str
    shape: tuple[int, ...]
    dtype: str
    max_abs: float | None = None
    max_rel: float | None = None
    ok: bool | None = None        # None: nothing to compare against
    problem: str | None = None


@dataclass
class SignatureResult:
    name: str
    outputs: dict[str, OutputCheck] = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None
    code: int | None = None          # TF status code of the error (3: INVALID_ARGUMENT)

    @property
    def ok(self) -> bool:
        return self.error is None and all(o.ok is not False for o in self.outputs.values())


@dataclass
class ServingCheckReport:
    ok: bool
    version_dir: Path
    signatures: dict[str, SignatureResult]
    ops: dict[str, int]                 # op type -> count, graph plus function library
    problems: list[str]
    warnings: list[str]
    signature_specs: dict[str, dict] = field(default_factory=dict)
    load_seconds: float | None = None
    tensorflow_version: str = ""
    python_tensorflow_imported: bool | None = None   # in the child; False proves a C-API-only process

    @property
    def ops_ok(self) -> bool:
        return not any(p.startswith(("Python callback ops", "ops not in", "custom op")) for p in self.problems)

    def summary(self) -> str:
        lines = [f"serving load check {'OK' if self.ok else 'FAILED'}: {self.version_dir} "
                 f"({sum(self.ops.values())} nodes, {len(self.ops)} op types, load {self.load_seconds or 0:.2f}s)"]
        for result in self.signatures.values():
            for out in result.outputs.values():
                diff = f"max_abs={out.max_abs:.3g} max_rel={out.max_rel:.3g}" if out.max_abs is not None else "not compared"
                lines.append(f"  {result.name}/{out.key} {list(out.shape)} {out.dtype}: {diff}"
                             + ("" if out.ok is not False else "  FAIL"))
            if result.error:
                lines.append(f"  {result.name}: ERROR {result.error}")
        lines += [f"  problem: {p}" for p in self.problems] + [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def compare_output(key: str, actual: np.ndarray, expected: np.ndarray | None, atol: float, rtol: float,
                   noise: float | None = None) -> OutputCheck:
    """The C API's output against the verify stage's, with the verify stage's comparator: strict, or
    calibrated when `noise` (the references' noise floor on that input set and output) is given, since the
    two runs may use different kernel families (converter.child.EIGEN_KERNELS / ONEDNN_KERNELS)."""
    shape, dtype = tuple(int(d) for d in actual.shape), str(actual.dtype)
    if expected is None:
        return OutputCheck(key, shape, dtype)
    found = compare_with_reference(0, "verify", key, actual, expected, atol, rtol, noise=noise,
                                   calibrated=noise is not None)
    if found.note.startswith("shape"):
        return OutputCheck(key, shape, dtype, ok=False, problem=f"shape {list(shape)}, expected {list(np.shape(expected))}")
    problem = None if found.passed else (f"max_abs={found.max_abs:.3g} max_rel={found.max_rel:.3g} beyond "
                                         f"atol={atol} rtol={rtol}"
                                         + (f" and {NOISE_MULTIPLE:g}x the noise floor {noise:.3g}" if noise else "")
                                         + (f"; {found.note}" if found.note else ""))
    return OutputCheck(key, shape, dtype, found.max_abs, found.max_rel, found.passed, problem)


def _spawn_child(version_dir: Path, feed_sets: list[dict[str, np.ndarray]], runs: list[dict],
                 serving_version: str | None, timeout: float, kernels: dict[str, str] | None,
                 worker=None) -> tuple[dict, dict[str, np.ndarray]]:
    """Run the check in `worker` (a started serving ChildWorker with `kernels`, converter/workers.py) or in a
    child process of its own; the child must never import TensorFlow's Python layer: only the C API, as TF
    Serving."""
    request = {"version_dir": str(Path(version_dir).resolve()), "runs": runs, "serving_version": serving_version,
               "threads": 2}
    if worker is not None:
        from converter.verify.session_runner import check_worker_kernels

        check_worker_kernels(worker, kernels)
        task = worker.task(load_child.run_request, "serving", timeout=timeout)
        _write_feeds(task.scratch, feed_sets)
        return task.submit(request).result(), _read_outputs(task.scratch)
    with ChildProcess(load_child.run_request, "serving", timeout=timeout, quiet_tensorflow=False,
                      env=kernels) as child:
        _write_feeds(child.scratch, feed_sets)
        return child.run(request), _read_outputs(child.scratch)


def _write_feeds(folder: Path, feed_sets: list[dict[str, np.ndarray]]) -> None:
    np.savez(folder / "feeds.npz", **{f"{i}/{k}": np.asarray(v) for i, fs in enumerate(feed_sets)
                                      for k, v in fs.items()})


def _read_outputs(folder: Path) -> dict[str, np.ndarray]:
    outputs_path = folder / "outputs.npz"
    return dict(np.load(outputs_path, allow_pickle=True)) if outputs_path.exists() else {}


def _raise_load_failure(version_dir: Path, result: dict) -> None:
    if result.get("bad_input"):
        raise BadInputError(result["bad_input"])
    if result.get("load_error"):
        if result["problems"]:
            raise UnsupportedModelError(f"TF Serving would fail to load {version_dir}: {'; '.join(result['problems'])}")
        raise ConverterError(f"TF Serving would fail to load {version_dir}: {result['load_error']}")


def run_load_check(version_dir: Path, feed_sets: list[dict[str, np.ndarray]], runs: list[dict],
                   expected_sets: list[dict[str, np.ndarray] | None], atol: float = 1e-4, rtol: float = 1e-3,
                   serving_version: str | None = None, timeout: float = 900.0,
                   noise_sets: list[dict[str, float]] | None = None,
                   kernels: dict[str, str] | None = None, worker=None) -> ServingCheckReport:
    """General form: several feed sets (e.g. the warmup requests), each run through some signatures.
    `noise_sets[i]`: the references' noise floor per output key of feed set i (calibrated comparison);
    `kernels`: converter.child.EIGEN_KERNELS or ONEDNN_KERNELS (None: this machine's default); `worker`:
    a started serving worker with those kernels (converter/workers.py), else a child process of its own."""
    version_dir = Path(version_dir)
    if not version_dir.is_dir():
        raise BadInputError(f"{version_dir} is not a folder; pass a version folder such as serving_models/NAME/1")
    result, outputs = _spawn_child(version_dir, feed_sets, runs, serving_version, timeout, kernels, worker)
    _raise_load_failure(version_dir, result)
    problems, signatures = list(result["problems"]), {}
    for entry in result["runs"]:
        run = runs[entry["run"]]
        tag = run.get("label") or (None if len(runs) == 1 else str(entry["run"]))
        label = f"{entry['signature']}[{tag}]" if tag else entry["signature"]
        sig = signatures[label] = SignatureResult(label, seconds=entry.get("seconds"), error=entry["error"],
                                                  code=entry.get("code"))
        if entry["error"]:
            problems.append(f"signature {label}: {entry['error']}")
            continue
        expected = expected_sets[entry["run"]] or {}
        noise = (noise_sets or [None] * len(feed_sets))[run["feed_set"]] or {}
        prefix = f"{entry['run']}/{entry['signature']}/"
        for name in sorted(n for n in outputs if n.startswith(prefix)):
            key = name[len(prefix):]
            sig.outputs[key] = check = compare_output(key, outputs[name], expected.get(key), atol, rtol,
                                                      noise.get(key))
            if check.ok is False:
                problems.append(f"signature {label} output {key}: {check.problem}")
    return ServingCheckReport(ok=not problems, version_dir=version_dir, signatures=signatures, ops=result["ops"],
                              problems=problems, warnings=list(result["warnings"]),
                              signature_specs=result["signatures"], load_seconds=result.get("load_seconds"),
                              tensorflow_version=result.get("tensorflow_version", ""),
                              python_tensorflow_imported=result.get("python_tensorflow_imported"))


def check_serving_load(version_dir: Path, feeds: dict[str, np.ndarray], expected: dict[str, np.ndarray] | None,
                       signature_names: list[str] | None = None, atol: float = 1e-4, rtol: float = 1e-3,
                       serving_version: str | None = None) -> ServingCheckReport:
    """Load version_dir in a fresh process with TF's C API, run each signature on feeds, compare to expected.

    feeds and expected are keyed by signature input/output keys; signature_names=None runs every
    signature. report.ok is False on op problems, run errors or parity misses (nothing is raised
    for those); a folder TF Serving could not load raises a ConverterError subclass.
    """
    report = run_load_check(version_dir, [feeds], [{"feed_set": 0, "signatures": signature_names}], [expected],
                            atol, rtol, serving_version)
    for warning in report.warnings:
        log.warning("%s: %s", version_dir, warning)
    return report
