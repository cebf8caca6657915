"""Import TensorFlow without its C++ start-up chatter, for our own child processes and the command layer."""
from __future__ import annotations

import os


def import_tensorflow_quietly() -> None:
    """TensorFlow prints its C++ start-up lines (oneDNN, CUDA probing) before its log level applies:
    file descriptor 2 is silenced while TF loads and probes devices, so users see only our messages.
    Only for processes we own (the command line, the translate and verification children): it touches
    a file descriptor of the whole process, which a library must not do to its caller."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow as tf
            tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def quiet_tensorflow_on_import() -> None:
    """TensorFlow imported quietly whenever something first imports it, instead of now: the command
    line's converting process may never need it (its child processes do the TensorFlow work), and then
    pays nothing; a rarer path that does (a diagnosis, client signatures) still prints no start-up chatter.
    Only for processes we own, like import_tensorflow_quietly."""
    import sys

    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())


class _QuietFinder:
    """A meta path finder for the top-level `tensorflow` package only: the real spec, with a loader that
    runs TensorFlow's __init__ and device probe with file descriptor 2 silenced. Removes itself on use."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        import importlib.util
        import sys

        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        module.__loader__ = module.__spec__.loader = self._loader     # no trace of this wrapper stays
        saved = os.dup(2)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 2)
                self._loader.exec_module(module)
                module.config.list_physical_devices()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
