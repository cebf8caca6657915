"""Stages 4 and 5: ONNX -> a TF module with `run(feeds)` (our translator or, on request, onnx-tf), then the
SavedModel written into the staging folder.

The pipeline runs both in a TensorFlow child process (converter/translate/child.py): TensorFlow's allocator
keeps the memory of the translated weights after the module is gone, and only the child's exit gives it
back. `InProcessTranslation` is what that child runs; it is also usable directly.
"""
from __future__ import annotations

import gc
from pathlib import Path

import onnx

from converter.errors import BadInputError
from converter.savedmodel import SignatureSpec, export_saved_model, signature_spec_from_onnx
from converter.tf_ops import load_default_registry
from converter.tf_ops.module import OnnxModule
from converter.translate.settings import TranslateSettings

__all__ = ["InProcessTranslation", "TranslateSettings", "translate"]


def translate(model: onnx.ModelProto, settings: TranslateSettings):
    """The translated module (tf.Variables for the weights); `run(feeds)` builds the graph when traced."""
    if settings.backend == "native":
        return OnnxModule(model, load_default_registry(), settings.variable_threshold_bytes, settings.data_dir)
    if settings.backend == "onnx-tf":
        from converter.backends.onnx_tf_backend import build_onnx_tf_module, onnx_tf_available

        available, hint = onnx_tf_available()
        if not available:
            raise BadInputError(f"--backend onnx-tf: onnx-tf is not installed; {hint}")
        return build_onnx_tf_module(model, Path(settings.work_dir))
    raise BadInputError(f"--backend {settings.backend!r}: choose 'native' (default) or 'onnx-tf'")


class InProcessTranslation:
    """Translate, then save the SavedModel, in this process. Same interface as child.ChildTranslation:

        with InProcessTranslation(model, settings) as run:
            run.translate()
            spec = run.save()

    `worker` is accepted for that interface's sake and unused; start(on_event) does the whole job at once
    (sending child.EVENTS), and `info` holds the TensorFlow version and the signatures' text afterwards.
    """

    def __init__(self, model: onnx.ModelProto, settings: TranslateSettings, worker=None):
        self._model = model
        self.settings = settings
        self._module = None
        self._spec: SignatureSpec | None = None
        self.info: dict = {}

    def __enter__(self) -> "InProcessTranslation":
        return self

    def __exit__(self, *exc) -> None:
        self._module = None

    def preflight(self) -> None:
        if self.settings.backend == "native":
            from converter.tf_ops.preflight import preflight

            preflight(self._model, load_default_registry())

    def start(self, on_event=None) -> None:
        """Translate and save now, telling `on_event` each step (what the child's events say)."""
        if self._spec is not None:
            return
        tell = on_event or (lambda name: None)
        tell("translating")
        self.translate()
        tell("translated")
        self._spec = self.save()
        tell("saved")

    def translate(self) -> None:
        if self._module is None and self._spec is None:
            self._module = translate(self._model, self.settings)

    def save(self) -> SignatureSpec:
        if self._spec is not None:
            return self._spec
        import tensorflow as tf

        from converter.client_options import ClientSignatureOptions
        from converter.savedmodel.describe import describe_signatures

        self.translate()
        client = ClientSignatureOptions.from_dict(self.settings.client) if self.settings.client else None
        spec = signature_spec_from_onnx(self._model, frozenset(self.settings.nhwc_inputs))
        spec = export_saved_model(self._module, self._model, self.settings.staging_path,
                                  self.settings.signature_names, spec, batch_split=self.settings.batch_split,
                                  client=client)
        self._module = None          # its tf.Variables (a copy of every weight) are on disk now
        gc.collect()
        self.info = {"tensorflow_version": tf.__version__,
                     "signature_text": describe_signatures(Path(self.settings.staging_path))}
        self._spec = spec
        return spec
