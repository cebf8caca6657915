"""Stages 4 and 5: ONNX -> a TF module (our translator or onnx-tf), then the SavedModel in staging.

    with ChildTranslation(model, TranslateSettings.from_config(...)) as run:    # or InProcessTranslation
        run.translate()
        spec = run.save()

stage.py does the work in this process; child.py runs the same in a child process (converter/child.py),
which the pipeline uses: only a process exit returns the translated weights' memory to the OS.
"""
from __future__ import annotations

from converter.translate.child import ChildTranslation
from converter.translate.stage import InProcessTranslation, TranslateSettings, translate

__all__ = ["ChildTranslation", "InProcessTranslation", "TranslateSettings", "translate"]
