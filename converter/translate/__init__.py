"""Stages 4 and 5: ONNX -> a TF module (our translator or onnx-tf), then the SavedModel in staging.

    with ChildTranslation(model, TranslateSettings.from_config(...)) as run:    # or InProcessTranslation
        run.translate()
        spec = run.save()

stage.py does the work in this process; child.py runs the same in a TensorFlow child process
(converter/child_worker.py), which the pipeline uses: only a process exit returns the translated weights'
memory to the OS, and the converting process does not import TensorFlow at all.
"""
from __future__ import annotations

from converter.translate.child import ChildTranslation
from converter.translate.settings import TranslateSettings

__all__ = ["ChildTranslation", "InProcessTranslation", "TranslateSettings", "translate"]


def __getattr__(name: str):
    """stage.py imports TensorFlow: loaded only where it is used."""
    if name in ("InProcessTranslation", "translate"):
        from converter.translate import stage

        return getattr(stage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
