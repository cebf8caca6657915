"""Compatibility shims that make onnx-tf 1.10.0 (its last release, 2022) importable with the pinned
onnx / TensorFlow / Keras 3. Each shim provides only what onnx-tf uses:

1. `onnx.mapping` (removed in onnx 1.19): onnx-tf reads four dicts from it (`data_type.py`,
   `pb_wrapper.py`, `sequence_empty.py`); rebuilt here from the public `onnx.helper` dtype functions.
   Not installed when the running onnx still has `onnx.mapping`.
2. `tensorflow_addons`: onnx-tf imports it only for `tfa.seq2seq.hardmax` (Hardmax handler); provided
   in plain TF. Always the shim unless the process already imported tensorflow_addons: the real
   package is end-of-life and does not work with Keras 3 even when installed.
3. `tensorflow_probability`: onnx-tf imports `distributions.Bernoulli` for its Bernoulli handler
   (sampling only); provided in plain TF so tfp and tf-keras need not be installed. A real tfp that
   imports cleanly takes precedence.
4. `tf.compat.v1.nn.rnn_cell` (LSTM, GRU, RNN handlers): under Keras 3 TF's lazy alias raises "LSTMCell
   is not available with Keras 3"; the handler modules get a `tf` proxy whose `compat.v1.nn.rnn_cell`
   is TF's own bundled legacy cells (tensorflow.python.keras.layers.legacy_rnn). Only those onnx-tf
   modules see the proxy; TensorFlow itself is not patched. And onnx-tf caches the first RNN cell it
   builds on the handler class forever (`RNNMixin.rnn_cell`), so every later LSTM/GRU/RNN node, in any
   model of the process, reused the first one's cell and weights (a 2-layer LSTM was wrong, a second
   model failed); `rnn` is wrapped to build a fresh cell per node.

`import_onnx_tf()` installs the shims once (registrations and wrappers at first import; nothing changes
per conversion) and returns the `onnx_tf.backend` module.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import types

from converter.errors import BadInputError

logger = logging.getLogger(__name__)

INSTALL_HINT = "install with: pip install --no-deps -r requirements-onnx-tf.txt (see docs/backends.md)"


def onnx_tf_installed() -> bool:
    return importlib.util.find_spec("onnx_tf") is not None


def import_onnx_tf() -> types.ModuleType:
    """Install the shims and import onnx_tf.backend; BadInputError with the install hint if absent."""
    if not onnx_tf_installed():
        raise BadInputError(f"--backend onnx-tf needs the onnx-tf package, which is not installed; {INSTALL_HINT}")
    install_shims()
    backend = importlib.import_module("onnx_tf.backend")
    _give_rnn_handlers_legacy_cells()
    _build_a_fresh_rnn_cell_per_node()
    return backend


def install_shims() -> None:
    _install_onnx_mapping()
    _register("tensorflow_addons", _make_tensorflow_addons())
    if not _imports_cleanly("tensorflow_probability"):
        _register("tensorflow_probability", _make_tensorflow_probability())


def _imports_cleanly(name: str) -> bool:
    if name in sys.modules:
        return True
    if importlib.util.find_spec(name) is None:
        return False
    try:
        importlib.import_module(name)
        return True
    except Exception as error:                 # noqa: BLE001 - e.g. tfp without tf-keras under Keras 3
        logger.warning("%s is installed but does not import (%s); using the plain-TF shim", name, error)
        return False


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


class _Proxy:
    """Forwards attribute reads to `target` except the names given as overrides."""

    def __init__(self, target, **overrides):
        self._target, self._overrides = target, overrides

    def __getattr__(self, name):
        return self._overrides[name] if name in self._overrides else getattr(self._target, name)


def _give_rnn_handlers_legacy_cells() -> None:
    import tensorflow as tf
    from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl
    nn = _Proxy(tf.compat.v1.nn, rnn_cell=rnn_cell_impl)
    proxy = _Proxy(tf, compat=_Proxy(tf.compat, v1=_Proxy(tf.compat.v1, nn=nn)))
    for name in ("lstm", "gru", "rnn", "rnn_mixin"):
        module = importlib.import_module(f"onnx_tf.handlers.backend.{name}")
        if not isinstance(module.tf, _Proxy):
            module.tf = proxy


def _build_a_fresh_rnn_cell_per_node() -> None:
    from onnx_tf.handlers.backend.rnn_mixin import RNNMixin
    original = RNNMixin.rnn.__func__
    if getattr(original, "builds_fresh_cells", False):
        return

    def rnn(cls, *args, **kwargs):
        cls.rnn_cell = None                 # onnx-tf reuses the cell cached here when it is set
        return original(cls, *args, **kwargs)

    rnn.builds_fresh_cells = True
    RNNMixin.rnn = classmethod(rnn)
