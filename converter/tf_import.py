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
