"""A small PyTorch module through the real export, passes and translation into a SavedModel, run the way
TF Serving runs it (TF1 session in a fresh process, after grappler's rewrites): the kernels grappler fuses
only fail there, not in an eager or tf.function run of the translation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from converter.backend import prepare
from converter.checkpoint import LoadedCheckpoint, run_eager
from converter.config import ConversionConfig, InputSpec
from converter.export import export_to_onnx
from converter.onnx_passes.pipeline import run_passes
from converter.savedmodel.export import export_saved_model
from converter.verify import signature_feeds
from converter.verify.session_runner import run_in_subprocess


def served_and_eager(module: torch.nn.Module, input_spec: str, batch: int, work: Path, seed: int = 0,
                     exporter: str = "auto", kernels: dict | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(SavedModel outputs in a TF Serving-style session, PyTorch eager outputs) at `batch` (not the export
    batch) on seeded N(0,1) inputs; `input_spec` is NAME:DTYPE:SHAPE as --input takes it; `kernels`: TF's
    CPU kernel family (converter.child.EIGEN_KERNELS / ONEDNN_KERNELS; None: this machine's default)."""
    spec = InputSpec.parse(input_spec)
    module.eval()
    loaded = LoadedCheckpoint("state_dict", Path("m.pt"), module, None)
    config = ConversionConfig(checkpoint=Path("m.pt"), name="m", inputs=(spec,), outputs=("y",), exporter=exporter)
    _, translated, _ = run_passes(export_to_onnx(loaded, config, work).model, config)
    signature = export_saved_model(prepare(translated).module, translated, work / "saved")
    feeds = {spec.name: np.random.default_rng(seed).standard_normal((batch, *spec.shape[1:])).astype(np.float32)}
    served = run_in_subprocess(work / "saved", "serving_default", [signature_feeds(signature, feeds)],
                               kernels=kernels)[0]
    with torch.no_grad():
        eager = run_eager(loaded, feeds, [spec.name])
    return [served[o.key] for o in signature.outputs], [np.asarray(e) for e in eager]
