"""Example inputs (tensors or arrays) -> the `--input NAME:DTYPE:SHAPE` and `--input-range` texts.

Only names, dtypes and shapes are taken from the examples, as the command line takes them from --input:
dim 0 becomes the dynamic batch, and the export and verification run on seeded inputs of that shape. An
integer example also gives its input's value range [min, max + 1) (an input_range option overrides it).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from converter.config import INPUT_DTYPES
from converter.errors import BadInputError


def _as_array(value, name: str) -> np.ndarray:
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    raise BadInputError(f"convert(): example input {name!r} is a {type(value).__name__}; give torch tensors "
                        "or numpy arrays (one per forward() argument)")


def named_examples(example_inputs, input_names) -> list[tuple[str, np.ndarray]]:
    """[(name, array)] in forward() order. Names: the dict's keys, else input_names, else input_0, input_1..."""
    if example_inputs is None:
        if input_names:
            raise BadInputError("convert(): input_names needs example_inputs (their dtypes and shapes)")
        return []
    if isinstance(example_inputs, Mapping):
        names, values = [str(k) for k in example_inputs], list(example_inputs.values())
        if input_names is not None and list(input_names) != names:
            raise BadInputError(f"convert(): input_names {list(input_names)} differ from the example dict's keys "
                                f"{names}; give one or the other")
    else:
        values = list(example_inputs) if isinstance(example_inputs, (tuple, list)) else [example_inputs]
        names = [str(n) for n in input_names] if input_names is not None else [f"input_{i}" for i in range(len(values))]
        if len(names) != len(values):
            raise BadInputError(f"convert(): {len(names)} input_names for {len(values)} example inputs")
    return [(name, _as_array(value, name)) for name, value in zip(names, values)]


def input_flags(examples: list[tuple[str, np.ndarray]]) -> list[str]:
    """--input (and, for integer inputs, --input-range) arguments for the examples."""
    argv = []
    for name, array in examples:
        if array.ndim == 0:
            raise BadInputError(f"convert(): example input {name!r} is a scalar; inputs need a batch "
                                "dimension (dim 0), e.g. shape (1,)")
        dtype = array.dtype.name
        if dtype not in INPUT_DTYPES:
            raise BadInputError(f"convert(): example input {name!r} has dtype {dtype}; supported: "
                                f"{', '.join(INPUT_DTYPES)}")
        argv += ["--input", f"{name}:{dtype}:{'x'.join(map(str, array.shape))}"]
        if np.issubdtype(array.dtype, np.integer) and array.size:
            argv += ["--input-range", f"{name}:{int(array.min())}:{int(array.max()) + 1}"]
    return argv
