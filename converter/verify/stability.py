"""Is a disagreement of the two references the model's own float32 instability on those inputs?

PyTorch and ONNX Runtime farther apart than NOISE_CAP of an output's scale means either that the exported
graph computes something else on those inputs, or that the model is numerically unstable there, so that
no float32 runtime gets close to the real result (measured: torchvision's EfficientNet-B0 and RegNetY with
calibrated BatchNorm on N(3,1) inputs grow activations to ~3e4 and PyTorch float32 is 5% off its own
float64 result). The evidence that tells them apart:
- PyTorch sources: PyTorch in float64 on the input sets where the references disagree. Float32 PyTorch
  beyond NOISE_CAP from it means float32 rounding alone moves the output that far: the floor is noise;
- ONNX sources: the floor's two runtimes run the same graph (ONNX Runtime with and without graph
  optimizations), so any disagreement between them is rounding, never the export.
"""
from __future__ import annotations

import copy
import logging

import numpy as np

from converter.verify.compare import differences, floor_is_noise, noise_floor

logger = logging.getLogger(__name__)

PYTORCH_FLOAT64 = "pytorch-float64"
# The float64 check needs the PyTorch model while ONNX Runtime's copy of the weights exists: only for models
# up to this size (larger ones release theirs first, and a disagreement stays unexplained).
PROBE_MAX_WEIGHT_BYTES = 1 << 30


def weight_bytes(loaded) -> int:
    """Bytes of the PyTorch model's parameters and buffers (a LoadedCheckpoint's)."""
    from converter.checkpoint.eager import callable_module

    module = callable_module(loaded)
    tensors = list(module.parameters()) + list(module.buffers()) if hasattr(module, "parameters") else []
    return sum(t.numel() * t.element_size() for t in tensors)


def float64_where_disagreeing(loaded, input_names: list[str], feeds_list: list[dict], pytorch: list[list],
                              onnxruntime: list[list]) -> list[list | None]:
    """PyTorch's outputs in float64 (the LoadedCheckpoint `loaded`'s model, copied) on the input sets where
    PyTorch and ONNX Runtime disagree beyond NOISE_CAP on some output (None elsewhere, and everywhere when
    the model cannot run in float64)."""
    from converter.checkpoint import LoadedCheckpoint, run_eager
    from converter.checkpoint.eager import callable_module

    chosen = [any(_disagree(a, b) for a, b in zip(first, second)) for first, second in zip(pytorch, onnxruntime)]
    if not any(chosen):
        return [None] * len(feeds_list)
    try:
        wide = LoadedCheckpoint(loaded.format, loaded.path, copy.deepcopy(callable_module(loaded)).double(), None)
        wide_feeds = [{k: _widen(v) for k, v in feeds.items()} for feeds in feeds_list]
        return [run_eager(wide, feeds, input_names) if pick else None for feeds, pick in zip(wide_feeds, chosen)]
    except Exception as error:  # noqa: BLE001 - a model that cannot run in float64 just gives no evidence
        logger.info("PyTorch in float64 could not run the model (%s): a reference disagreement stays unexplained",
                    str(error).splitlines()[0] if str(error) else type(error).__name__)
        return [None] * len(feeds_list)


def instability(floor: float | None, scale: float, same_graph: bool, first=None, float64=None) -> str:
    """Evidence that the references' disagreement (`floor`, on an output of max magnitude `scale`) is float32
    rounding, "" when there is none. `same_graph`: both references ran the same ONNX graph; else `first` is
    PyTorch's output and `float64` PyTorch's float64 output on the same inputs (or None)."""
    if floor is None or floor_is_noise(floor, scale):
        return ""
    if same_graph:
        return f"ONNX Runtime with and without graph optimizations, on the same graph, differ by {floor:.3g}"
    off = None if float64 is None else noise_floor(first, float64)
    if off is None or floor_is_noise(off, scale):
        return ""
    return f"PyTorch float32 differs from PyTorch float64 by {off:.3g}"


def _disagree(first, second) -> bool:
    found = differences(first, second, 0.0, 0.0)
    return not found.note and np.asarray(first).dtype.kind in "fc" and not floor_is_noise(found.max_abs, found.scale)


def _widen(value: np.ndarray) -> np.ndarray:
    return value.astype(np.float64) if value.dtype.kind == "f" else value
