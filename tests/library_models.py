"""Real model libraries for tests (torchvision, timm, transformers).

The torchvision wheel on this registry is built against CUDA torch: its C++ ops (nms, roi_align) cannot
load beside the pinned CPU torch, and its fake-kernel registration for them fails at import. Declaring the
two op schemas first lets the pure-Python model definitions import (nothing here calls those ops)."""
from __future__ import annotations

import functools

import torch


@functools.cache
def _declare_torchvision_ops() -> torch.library.Library | None:
    try:
        torch.ops.torchvision.nms
        return None
    except (AttributeError, RuntimeError):
        pass
    library = torch.library.Library("torchvision", "DEF")
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    return library


def torchvision_models():
    _declare_torchvision_ops()
    import torchvision.models

    return torchvision.models
