"""Stages 4 and 5: ONNX -> a TF module with `run(feeds)` (our translator or, on request, onnx-tf), then the
SavedModel written into the staging folder.

The pipeline runs both in a child process (converter/translate/child.py): TensorFlow's allocator keeps
the memory of the translated weights after the module is gone, and only the child's exit gives it back
before verification. `InProcessTranslation` is what that child runs; it is also usable directly.
"""
from __future__ import annotations

import gc
from dataclasses import asdict, dataclass
from pathlib import Path

import onnx

from converter.config import ConversionConfig
from converter.errors import BadInputError
from converter.savedmodel import SignatureSpec, export_saved_model, signature_spec_from_onnx
from converter.tf_ops import load_default_registry
from converter.tf_ops.module import OnnxModule


@dataclass(frozen=True)
class TranslateSettings:
    """Everything the two stages need besides the ONNX model; JSON-able, absolute paths (the child gets it)."""
    backend: str                          # native | onnx-tf
    variable_threshold_bytes: int
    work_dir: str                         # onnx-tf writes its intermediate SavedModel here
    data_dir: str                         # external data (models > 2 GB) is read from here
    staging_path: str                     # the SavedModel goes here
    signature_names: tuple[str, ...]
    batch_split: int = 1                  # slices a batch runs as (1: unsplit), resolved from --batch-split
    client: dict | None = None            # ClientSignatureOptions.as_dict() (issue 21), None without them
    nhwc_inputs: tuple[str, ...] = ()     # inputs the passes made channels-last (SignatureSpec.nhwc_inputs)

    @classmethod
    def from_config(cls, config: ConversionConfig, work_dir: Path, data_dir: str, staging_path: Path,
                    signature_names: tuple[str, ...], batch_split: int = 1,
                    nhwc_inputs: frozenset[str] = frozenset()) -> "TranslateSettings":
        return cls(config.backend, config.variable_threshold_bytes, str(Path(work_dir).resolve()),
                   str(Path(data_dir).resolve()) if data_dir else "", str(Path(staging_path).resolve()),
                   tuple(signature_names), batch_split,
                   config.client.as_dict() if config.client.enabled else None, tuple(sorted(nhwc_inputs)))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TranslateSettings":
        return cls(**{**data, "signature_names": tuple(data["signature_names"]),
                      "nhwc_inputs": tuple(data["nhwc_inputs"])})


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
    """

    def __init__(self, model: onnx.ModelProto, settings: TranslateSettings):
        self._model = model
        self._settings = settings
        self._module = None

    def __enter__(self) -> "InProcessTranslation":
        return self

    def __exit__(self, *exc) -> None:
        self._module = None

    def translate(self) -> None:
        self._module = translate(self._model, self._settings)

    def save(self) -> SignatureSpec:
        from converter.client_options import ClientSignatureOptions

        client = ClientSignatureOptions.from_dict(self._settings.client) if self._settings.client else None
        spec = signature_spec_from_onnx(self._model, frozenset(self._settings.nhwc_inputs))
        spec = export_saved_model(self._module, self._model, self._settings.staging_path,
                                  self._settings.signature_names, spec, batch_split=self._settings.batch_split,
                                  client=client)
        self._module = None          # its tf.Variables (a copy of every weight) are on disk now
        gc.collect()
        return spec
