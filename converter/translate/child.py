"""The translate and savedmodel stages in a child process (converter/child.py runs it).

Why a process: TensorFlow's CPU allocator keeps the memory of the translated weights (a copy of every
weight, as tf.Variables) after the module is deleted; only a process exit returns it to the OS. Run in
a child, that memory is gone before the verification child loads the SavedModel (models over 2 GB).

The parent (`ChildTranslation`) writes the translated ONNX model into the child's scratch folder
(external data stays where it is: the references point into `settings.data_dir`); the child sends the
"translated" event that ends the translate stage, then returns the SignatureSpec. Its log records, its
other output and its errors come back as converter/child.py describes.
"""
from __future__ import annotations

from converter.child import ChildContext, ChildProcess
from converter.errors import ConverterError


class ChildTranslation:
    """Translate and save in a child process; same interface as stage.InProcessTranslation."""

    def __init__(self, model, settings):
        self._model = model
        self._settings = settings
        self._child: ChildProcess | None = None

    def __enter__(self) -> "ChildTranslation":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def translate(self) -> None:
        self._child = ChildProcess(translate_in_child, "translate", work_dir=self._settings.work_dir,
                                   echo_output=True, crash_note="nothing was published")
        model_path = self._child.scratch / "translated.onnx"
        try:
            model_path.write_bytes(self._model.SerializeToString())   # external data: references only
        except ValueError as error:      # protobuf's 2 GB limit: weights inline although the model is large
            raise ConverterError(f"cannot hand the translated ONNX graph to the translate process: {error}") from None
        self._child.start({"model": str(model_path), "settings": self._settings.as_dict()})
        if not self._child.wait_for("translated"):
            self._child.result()        # raises: the child's error, or the crash naming the translate stage
            raise ConverterError("the translate stage's process ended without translating; nothing was published")

    def save(self):
        """The SignatureSpec of the SavedModel the child wrote."""
        from converter.savedmodel.signature import SignatureSpec

        return SignatureSpec.from_dict(self._child.result(stage="savedmodel")["spec"])

    def close(self) -> None:
        """Kill the child if it still runs (an abandoned stage must not write into staging afterwards)."""
        if self._child is not None:
            self._child.close()
            self._child = None


def translate_in_child(request: dict, context: ChildContext) -> dict:
    import onnx

    from converter.translate.stage import InProcessTranslation, TranslateSettings

    model = onnx.load(request["model"], load_external_data=False)
    with InProcessTranslation(model, TranslateSettings.from_dict(request["settings"])) as run:
        run.translate()
        context.event("translated")
        spec = run.save()
    return {"spec": spec.as_dict()}
