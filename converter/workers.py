"""The child processes of one conversion, started at its beginning (converter/child_worker.py).

The converting process never imports TensorFlow. Its TensorFlow work happens in two kinds of child:
- the TensorFlow worker, with Eigen's CPU kernels (converter.child.EIGEN_KERNELS): preflight, translate,
  save, the warmup file, and verification in a TF1 session on a fresh graph, as TF Serving runs it;
- the serving worker, with oneDNN's kernels (ONEDNN_KERNELS), which never imports TF's Python layer: the
  C API load check (converter/serving/load_child.py).
TF reads TF_ENABLE_ONEDNN_OPTS once per process, and the C API check must run where TF's Python layer
never was, so these are two processes whatever the model.

Both start when the conversion starts: importing TensorFlow (seconds) and loading libtensorflow_cc then
overlap the load and the export in this process.

How many processes depends on the model's size (`ConversionWorkers.size_for`):
- up to SHARED_MAX_WEIGHT_BYTES of weights: one TensorFlow worker does everything, and translates while
  this process computes the references;
- larger models: each memory-heavy step gets a process that exits before the next one starts, since
  TensorFlow's allocator keeps the translated weights until its process exits: the first worker
  translates and saves after the references are computed, a fresh one writes the warmup file and
  verifies, then a fresh serving worker runs the C API check.

Kept workers: within `keep_workers_between_conversions()` (convert-many's workers, which convert entry after
entry), a small model's two workers are not killed when its conversion ends but handed to the next one,
which then pays no TensorFlow import. Only an idle worker is kept (alive, never timed out, no task left
running: an abandoned task must not write on), and it is checked again when taken (a kept worker that died
meanwhile is replaced). A large model gets fresh processes as above, the kept ones closed first: they hold
what TF's allocator kept from earlier conversions. What a kept worker carries from one conversion to the
next: TF's eager context, where each translation builds and saves its own module (verification loads each
SavedModel into a fresh tf.Graph and TF1 session, the C API check into a session per load), the op
registry, caches of pure functions, and TF's process-wide counter in generated function names
(`__inference__serve_135` where a fresh process writes `__inference__serve_23`: the same graph, variables
and outputs; tests/reliability/test_worker_processes.py compares them).
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from converter.child import EIGEN_KERNELS, ONEDNN_KERNELS
from converter.child_worker import ChildWorker

logger = logging.getLogger(__name__)

# One process holds, at the same time, the translated weights (kept by TF's allocator), the SavedModel
# loaded for verification and TF itself (~0.7 GB), while this process holds PyTorch's and ONNX Runtime's
# copies: for up to 1 GiB of weights that is a few GB, which a converting machine has.
SHARED_MAX_WEIGHT_BYTES = 1 << 30
NOTHING_PUBLISHED = "nothing was published"
WORKER_KINDS = ("tensorflow", "serving")

_kept: dict[str, ChildWorker] | None = None     # kind -> idle worker; None: workers end with their conversion


def tensorflow_worker(work_dir: str | Path | None = None) -> ChildWorker:
    """A TensorFlow child with Eigen's kernels (the verification's family), importing the translator and
    the TF1 session runner while the parent works."""
    return ChildWorker("tensorflow", work_dir=work_dir, env=EIGEN_KERNELS, echo_output=True,
                       warm_up="converter.workers:warm_up_tensorflow", crash_note=NOTHING_PUBLISHED)


def serving_worker(work_dir: str | Path | None = None) -> ChildWorker:
    """A C API child with oneDNN's kernels that never imports TF's Python layer (converter/serving/load_child.py)."""
    return ChildWorker("serving", work_dir=work_dir, env=ONEDNN_KERNELS, quiet_tensorflow=False,
                       warm_up="converter.serving.load_child:warm_up", crash_note=NOTHING_PUBLISHED)


def warm_up_tensorflow() -> None:
    """What the TensorFlow worker's tasks import: the op registry (every op module), the SavedModel writer,
    the session runner, the warmup writer."""
    import converter.savedmodel.describe  # noqa: F401
    import converter.serving.warmup  # noqa: F401
    import converter.translate.stage  # noqa: F401
    import converter.verify.session_runner  # noqa: F401
    from converter.tf_ops import load_default_registry

    load_default_registry()


@contextmanager
def keep_workers_between_conversions() -> Iterator[None]:
    """Within it, conversions (one after another, in this thread: a child dies with the thread that started
    it) hand their workers on to the next (see the module docstring); on exit the kept workers are closed."""
    global _kept
    previous, _kept = _kept, {}
    try:
        yield
    finally:
        close_kept_workers()
        _kept = previous


def close_kept_workers() -> None:
    """Close the kept workers: keeping ends, or a large model wants their memory."""
    while _kept:
        _kept.popitem()[1].close()


def _take_kept(kind: str, work_dir: str | Path | None) -> ChildWorker | None:
    """The kept worker of `kind`, its scratch moved into this conversion's work dir; None if there is
    none or it died since."""
    worker = _kept.pop(kind, None) if _kept is not None else None
    if worker is not None and not worker.idle:
        worker.close()
        return None
    if worker is not None:
        try:
            worker.move_scratch(work_dir)
        except BaseException:        # e.g. an unwritable work dir: the worker must not be lost running
            worker.close()
            raise
    return worker


def _factory(kind: str):
    return tensorflow_worker if kind == "tensorflow" else serving_worker


class ConversionWorkers:
    """The TensorFlow and serving workers of one conversion (see the module docstring). `seconds`: what
    their start-up cost and how long this process waited for them, for the report (a kept worker's start-up
    was an earlier conversion's: not counted)."""

    def __init__(self, work_dir: str | Path | None = None):
        self._work_dir = work_dir
        self._started = time.monotonic()
        self.shared = True
        self.seconds: dict[str, float] = {}
        self.reused: set[str] = set()            # kinds whose worker came from an earlier conversion
        self._tensorflow: ChildWorker | None = self._worker_for("tensorflow")
        self._serving: ChildWorker | None = self._worker_for("serving")

    def __enter__(self) -> "ConversionWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def size_for(self, weight_bytes: int) -> bool:
        """Choose one process or one per step for a model of `weight_bytes`; True for one."""
        self.shared = weight_bytes <= SHARED_MAX_WEIGHT_BYTES
        if not self.shared:
            logger.info("%.2f GB of weights: translation, verification and the load check each get a process "
                        "that exits before the next starts", weight_bytes / 1e9)
            self._close("_serving")       # started anew once verification's process is gone
            if "tensorflow" in self.reused:
                self._close("_tensorflow")    # a fresh process translates
            close_kept_workers()
        return self.shared

    def tensorflow(self) -> ChildWorker:
        """The TensorFlow worker (a fresh one after release_tensorflow())."""
        if self._tensorflow is None:
            self._tensorflow = self._worker_for("tensorflow")
        self._note_ready("tensorflow", self._tensorflow)
        return self._tensorflow

    def serving(self) -> ChildWorker:
        if self._serving is None:
            self._serving = self._worker_for("serving")
        self._note_ready("serving", self._serving)
        return self._serving

    def release_tensorflow(self) -> None:
        """For a large model, end the TensorFlow worker: its memory is free before the next step starts."""
        if not self.shared:
            self._close("_tensorflow")

    def waited(self, what: str, seconds: float) -> None:
        """Record time this process spent waiting for a worker."""
        key = f"waiting for {what}"
        self.seconds[key] = round(self.seconds.get(key, 0.0) + seconds, 3)

    def close(self) -> None:
        """End both workers, or keep them for the next conversion (keep_workers_between_conversions())."""
        for kind in WORKER_KINDS:
            if not self._keep(kind):
                self._close(f"_{kind}")

    def _keep(self, kind: str) -> bool:
        """Hand the worker of `kind` on to the next conversion if workers are kept and this one may be."""
        worker = getattr(self, f"_{kind}")
        if _kept is None or not self.shared or worker is None or not worker.idle or kind in _kept:
            return False
        self._note_ready(kind, worker)
        worker.move_scratch(None)     # this conversion's files go now; its work dir may go next
        _kept[kind] = worker
        setattr(self, f"_{kind}", None)
        return True

    def _worker_for(self, kind: str) -> ChildWorker:
        """A kept worker of `kind` (only before the model's size is known, or for a small model), else a new one."""
        worker = _take_kept(kind, self._work_dir) if self.shared else None
        if worker is not None:
            self.reused.add(kind)
            logger.debug("%s process: pid %s, kept from an earlier conversion", kind, worker.pid)
            return worker
        self.reused.discard(kind)
        worker = _factory(kind)(self._work_dir)
        logger.debug("%s process: pid %s, started", kind, worker.pid)
        return worker

    def _note_ready(self, name: str, worker: ChildWorker) -> None:
        key = f"{name} process start-up"
        if worker.ready_at is not None and key not in self.seconds and name not in self.reused:
            self.seconds[key] = round(worker.ready_at - worker.started, 3)

    def _close(self, attribute: str) -> None:
        worker = getattr(self, attribute)
        if worker is not None:
            self._note_ready(attribute.strip("_"), worker)
            worker.close()
            setattr(self, attribute, None)
