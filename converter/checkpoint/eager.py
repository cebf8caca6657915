"""PyTorch eager reference outputs for the verify stage."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils import _pytree as pytree

from converter.checkpoint.loaded import LoadedCheckpoint
from converter.errors import BadInputError


def callable_module(loaded: LoadedCheckpoint):
    """Something to call with positional tensors: ExportedPrograms are unwrapped with `.module()`."""
    if loaded.module is None:
        raise BadInputError(f"checkpoint {loaded.path}: an ONNX file has no PyTorch model to compare against; "
                            f"verify against ONNX Runtime only")
    if isinstance(loaded.module, torch.export.ExportedProgram):
        return loaded.module.module()
    return loaded.module


def flatten_outputs(outputs) -> list[torch.Tensor]:
    """Tensors of a (nested) tuple/list/dict output, in the model's return order."""
    leaves, _ = pytree.tree_flatten(outputs)
    bad = [type(leaf).__name__ for leaf in leaves if not isinstance(leaf, torch.Tensor)]
    if bad:
        raise BadInputError(f"the model returned non-tensor values ({', '.join(sorted(set(bad)))}); "
                            f"only tensors (in tuples, lists or dicts) can be served")
    return leaves


def run_eager(loaded: LoadedCheckpoint, feeds: dict[str, np.ndarray], input_names: list[str]) -> list[np.ndarray]:
    """Outputs of the PyTorch model on `feeds` (positional in `input_names` order), flattened."""
    module = callable_module(loaded)
    missing = [name for name in input_names if name not in feeds]
    if missing:
        raise BadInputError(f"run_eager: no data for inputs {missing}")
    args = tuple(torch.from_numpy(np.ascontiguousarray(feeds[name])) for name in input_names)
    with torch.no_grad():
        outputs = module(*args)
    return [leaf.detach().cpu().numpy() for leaf in flatten_outputs(outputs)]
