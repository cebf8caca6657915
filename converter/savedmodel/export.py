"""Write the SavedModel: one tf.function per signature name, returning a dict keyed by output key."""
from __future__ import annotations

import logging
from pathlib import Path

import onnx
import tensorflow as tf

from converter.savedmodel.batch_split import run_split
from converter.savedmodel.client_signatures import build_client_functions, set_method_names, signature_plan
from converter.savedmodel.signature import SignatureSpec, signature_spec_from_onnx
from converter.tf_ops.translate import scope_name

logger = logging.getLogger(__name__)

SERVE_TAG = "serve"


class ServingModule(tf.Module):
    """Tracks the translated model (and so its variables) and exposes `serve`; a batch of `batch_split`
    or more runs as that many slices side by side (converter/savedmodel/batch_split.py)."""

    def __init__(self, model, spec: SignatureSpec, batch_split: int = 1):
        super().__init__(name="serving")
        self.model = model
        self._spec = spec
        self._batch_split = batch_split
        input_signature = [tf.TensorSpec([d for d in t.shape] if t.shape else None, tf.as_dtype(t.dtype), name=t.key)
                           for t in spec.inputs]
        self.serve = tf.function(self._serve, input_signature=input_signature, autograph=False)

    def _serve(self, *tensors):
        feeds = {t.onnx_name: tensor for t, tensor in zip(self._spec.inputs, tensors)}
        outputs = run_split(self.model.run, feeds, [t.onnx_name for t in self._spec.outputs], self._batch_split)
        return {t.key: tf.identity(outputs[t.onnx_name], name=scope_name(t.key)) for t in self._spec.outputs}


def export_saved_model(model, onnx_model: onnx.ModelProto, path: str | Path,
                       signature_names: tuple[str, ...] = ("serving_default",),
                       spec: SignatureSpec | None = None, batch_split: int = 1, client=None) -> SignatureSpec:
    """Save `model` at `path` with the given signature names (all the same function) and, with `client`
    (ClientSignatureOptions), the client signatures beside them. Returns the spec."""
    spec = spec or signature_spec_from_onnx(onnx_model)
    for t in spec.inputs:
        if t.shape and t.shape[0] is not None:
            logger.warning("input %s has a fixed batch dimension %s in the ONNX graph", t.onnx_name, t.shape[0])
    module = ServingModule(model, spec, batch_split)
    concrete = module.serve.get_concrete_function()
    names = tuple(dict.fromkeys(signature_names))
    signatures = {name: concrete for name in names}
    if client is not None and client.enabled:
        signatures.update(build_client_functions(module._serve, spec, client))
    tf.saved_model.save(module, str(path), signatures=signatures,
                        options=tf.saved_model.SaveOptions(experimental_skip_saver=False))
    if client is not None and client.enabled:
        set_method_names(Path(path), signature_plan(spec, client))
    return spec

