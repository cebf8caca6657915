"""Compatibility shims that make onnx-tf 1.10.0 (its last release, 2022) importable with the pinned
onnx / TensorFlow / Keras 3. Each shim provides only what onnx-tf uses, and only when the real
package is absent, so installing the real package later takes precedence:

1. `onnx.mapping` (removed in onnx 1.19): onnx-tf reads four dicts from it (`data_type.py`,
   `pb_wrapper.py`, `sequence_empty.py`); rebuilt here from the public `onnx.helper` dtype functions.
2. `tensorflow_addons` (end of life; does not import under Keras 3): onnx-tf imports it for
   `tfa.seq2seq.hardmax` only (Hardmax handler); provided in plain TF.
3. `tensorflow_probability`: onnx-tf imports `distributions.Bernoulli` for its Bernoulli handler
   (sample only); provided in plain TF so tfp and tf-keras need not be installed.

`import_onnx_tf()` installs the shims once (idempotent: they are module registrations, no state
changes per conversion) and returns the `onnx_tf.backend` module.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import types

from converter.errors import BadInputError

logger = logging.getLogger(__name__)

INSTALL_HINT = "install with: pip install -r requirements-onnx-tf.txt (see docs/backends.md)"


def onnx_tf_installed() -> bool:
    return importlib.util.find_spec("onnx_tf") is not None


def import_onnx_tf() -> types.ModuleType:
    """Install the shims and import onnx_tf.backend; BadInputError with the install hint if absent."""
    if not onnx_tf_installed():
        raise BadInputError(f"--backend onnx-tf needs the onnx-tf package, which is not installed; {INSTALL_HINT}")
    install_shims()
    return importlib.import_module("onnx_tf.backend")


def install_shims() -> None:
    _install_onnx_mapping()
    if _not_installed("tensorflow_addons"):
        _register("tensorflow_addons", _make_tensorflow_addons())
    if _not_installed("tensorflow_probability"):
        _register("tensorflow_probability", _make_tensorflow_probability())


def _not_installed(name: str) -> bool:
    return name not in sys.modules and importlib.util.find_spec(name) is None


def _register(name: str, module: types.ModuleType) -> None:
    if name not in sys.modules:
        sys.modules[name] = module
        logger.debug("registered compatibility shim for %s", name)


def _install_onnx_mapping() -> None:
    import onnx
    import onnx.helper
    if getattr(onnx, "mapping", None) is not None:
        return                                   # an onnx old enough to still ship it
    module = types.ModuleType("onnx.mapping", "onnx.mapping rebuilt for onnx-tf (removed in onnx 1.19)")
    module.TENSOR_TYPE_TO_NP_TYPE, module.NP_TYPE_TO_TENSOR_TYPE = {}, {}
    module.TENSOR_TYPE_TO_STORAGE_TENSOR_TYPE, module.STORAGE_TENSOR_TYPE_TO_FIELD = {}, {}
    for tensor_type in onnx.helper.get_all_tensor_dtypes():
        np_type = onnx.helper.tensor_dtype_to_np_dtype(tensor_type)
        storage = onnx.helper.tensor_dtype_to_storage_tensor_dtype(tensor_type)
        module.TENSOR_TYPE_TO_NP_TYPE[tensor_type] = np_type
        module.NP_TYPE_TO_TENSOR_TYPE.setdefault(np_type, tensor_type)   # first (canonical) type wins
        module.TENSOR_TYPE_TO_STORAGE_TENSOR_TYPE[tensor_type] = storage
        module.STORAGE_TENSOR_TYPE_TO_FIELD.setdefault(storage, onnx.helper.tensor_dtype_to_field(tensor_type))
    _register("onnx.mapping", module)
    onnx.mapping = sys.modules["onnx.mapping"]
    onnx.helper.mapping = sys.modules["onnx.mapping"]   # pb_wrapper does `from onnx.helper import mapping`


def hardmax(logits):
    """tfa.seq2seq.hardmax: one-hot of the first maximum along the last axis, in the input dtype."""
    import tensorflow as tf
    logits = tf.convert_to_tensor(logits)
    return tf.one_hot(tf.argmax(logits, axis=-1), tf.shape(logits)[-1], dtype=logits.dtype)


class Bernoulli:
    """The part of tfp.distributions.Bernoulli onnx-tf uses: `Bernoulli(probs=, dtype=).sample(seed=)`."""

    def __init__(self, probs, dtype=None):
        import tensorflow as tf
        self.probs = tf.convert_to_tensor(probs)
        self.dtype = dtype or tf.int32

    def sample(self, seed=None):
        import tensorflow as tf
        uniform = tf.random.uniform(tf.shape(self.probs), dtype=self.probs.dtype, seed=seed)
        return tf.cast(uniform < self.probs, self.dtype)


def _make_tensorflow_addons() -> types.ModuleType:
    module = types.ModuleType("tensorflow_addons", "shim: only seq2seq.hardmax, in plain TF")
    module.seq2seq = types.SimpleNamespace(hardmax=hardmax)
    return module


def _make_tensorflow_probability() -> types.ModuleType:
    module = types.ModuleType("tensorflow_probability", "shim: only distributions.Bernoulli, in plain TF")
    module.distributions = types.SimpleNamespace(Bernoulli=Bernoulli)
    return module
