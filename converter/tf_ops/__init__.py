"""ONNX -> TensorFlow op translation: one `op_<name>.py` per ONNX op, registered in DEFAULT_REGISTRY."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from converter.tf_ops.registry import DEFAULT_REGISTRY, OpRegistry, tf_op

__all__ = ["DEFAULT_REGISTRY", "OpRegistry", "tf_op", "load_default_registry"]


@lru_cache(maxsize=None)
def load_default_registry() -> OpRegistry:
    """Import every op module (each registers itself) and return the filled registry."""
    for package_name in ("converter.tf_ops", "converter.tf_ops.nhwc", "converter.tf_ops.fused"):
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.startswith("op_"):
                importlib.import_module(f"{package_name}.{module.name}")
    return DEFAULT_REGISTRY
