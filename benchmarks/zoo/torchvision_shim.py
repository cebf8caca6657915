"""Let torchvision (and timm, transformers, which import it) load beside the CPU torch pinned here.

The registry's torchvision wheel is built for CUDA torch, so its C++ extension (nms, roi_align, ...) cannot
load; at import, torchvision registers fake (meta) kernels for `torchvision::nms` and `torchvision::qnms`,
which fails when those op schemas were never defined. Its model definitions are pure Python: defining the
two schemas before the first import is all they need. Call `install()` before importing torchvision, timm
or transformers (the zoo's modules do). The detection ops themselves stay unavailable (no kernel)."""
from __future__ import annotations

import torch

_LIBRARY = None        # kept alive for the process: dropping the Library object removes the schemas

SCHEMAS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
           "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")


def install() -> None:
    """Define the torchvision op schemas once per process (a no-op when defined already)."""
    global _LIBRARY
    if _LIBRARY is not None or _defined("nms"):
        return
    library = torch.library.Library("torchvision", "DEF")
    for schema in SCHEMAS:
        library.define(schema)
    _LIBRARY = library


def _defined(op: str) -> bool:
    try:
        torch._C._dispatch_find_schema_or_throw(f"torchvision::{op}", "")
    except RuntimeError:
        return False
    return True
