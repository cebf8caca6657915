"""The translate and savedmodel stages in a TensorFlow child process (converter/child_worker.py).

Why a process: TensorFlow's CPU allocator keeps the memory of the translated weights (a copy of every
weight, as tf.Variables) after the module is deleted; only a process exit returns it to the OS. And the
converting process never imports TensorFlow: its start-up (seconds) happens in the child, which the
pipeline starts at the beginning of the conversion so that it overlaps the load and the export.

The parent (`ChildTranslation`) writes the translated ONNX model into a task folder of the worker
(external data stays where it is: the references point into `settings.data_dir`). Two tasks: the
preflight (every unsupported op in one error), then the translation, which sends the events
"translating", "translated" and "saved" and returns the SignatureSpec, the TensorFlow version and the
signatures as `saved_model_cli show` prints them. Log records, other output and errors come back as
converter/child.py describes.
"""
from __future__ import annotations

from typing import Callable

from converter.child import ChildContext
from converter.child_worker import ChildWorker, WorkerTask
from converter.errors import ConverterError

EVENTS = ("translating", "translated", "saved")


class ChildTranslation:
    """Translate and save in a TensorFlow child process: `worker` (the conversion's, already started) or a
    worker of its own. Same interface as stage.InProcessTranslation:

        run.preflight()             # optional: unsupported ops fail here, before anything else
        run.start(on_event)         # optional: returns at once; on_event(name) for each of EVENTS
        run.translate()             # waits for "translated"
        spec = run.save()           # waits for the SavedModel; run.info: TF version, signature text
    """

    def __init__(self, model, settings, worker: ChildWorker | None = None):
        self._model = model
        self.settings = settings
        self._worker = worker
        self._own_worker = worker is None
        self._model_path = None
        self._task: WorkerTask | None = None
        self.info: dict = {}

    def __enter__(self) -> "ChildTranslation":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def preflight(self) -> None:
        """Raise UnsupportedOpsError listing every op without a translation (the registry lives in the child)."""
        if self.settings.backend == "native":
            self._run_worker().run(preflight_in_child, {"model": str(self._write_model())}, "translate")

    def start(self, on_event: Callable[[str], None] | None = None) -> None:
        if self._task is not None:
            return
        worker = self._run_worker()
        self._task = worker.task(translate_in_child, "translate")

        def relay(name: str) -> None:
            if name == "translated":       # a crash from here on is the savedmodel stage's
                self._task.stage = "savedmodel"
            if on_event is not None:
                on_event(name)
        self._task.submit({"model": str(self._write_model()), "settings": self.settings.as_dict()}, relay)

    def translate(self) -> None:
        self.start()
        if not self._task.wait_for("translated"):
            self._task.result()        # raises: the child's error, or the crash naming the translate stage
            raise ConverterError("the translate stage's process ended without translating; nothing was published")

    def save(self):
        """The SignatureSpec of the SavedModel the child wrote."""
        from converter.savedmodel.signature import SignatureSpec

        self.start()
        result = self._task.result()
        self.info = {k: v for k, v in result.items() if k != "spec"}
        return SignatureSpec.from_dict(result["spec"])

    def close(self) -> None:
        """A worker of its own is killed (an abandoned stage must not write into staging afterwards); the
        conversion's worker is the pipeline's to close."""
        if self._own_worker and self._worker is not None:
            self._worker.close()
            self._worker = None

    def _run_worker(self) -> ChildWorker:
        if self._worker is None:
            from converter.workers import tensorflow_worker

            self._worker = tensorflow_worker(self.settings.work_dir)
        return self._worker

    def _write_model(self):
        if self._model_path is None:
            task_folder = self._run_worker().scratch
            self._model_path = task_folder / "translated.onnx"
            try:
                self._model_path.write_bytes(self._model.SerializeToString())   # external data: references only
            except ValueError as error:      # protobuf's 2 GB limit: weights inline although the model is large
                raise ConverterError(f"cannot hand the translated ONNX graph to the translate process: "
                                     f"{error}") from None
        return self._model_path


def preflight_in_child(request: dict, context: ChildContext) -> None:
    import onnx

    from converter.tf_ops import load_default_registry
    from converter.tf_ops.preflight import preflight

    preflight(onnx.load(request["model"], load_external_data=False), load_default_registry())


def translate_in_child(request: dict, context: ChildContext) -> dict:
    import onnx

    from converter.translate.stage import InProcessTranslation, TranslateSettings

    model = onnx.load(request["model"], load_external_data=False)
    with InProcessTranslation(model, TranslateSettings.from_dict(request["settings"])) as run:
        run.start(context.event)
        spec = run.save()
    return {"spec": spec.as_dict(), **run.info}
