"""Seeded example inputs built from `InputSpec`s (floats ~ N(0,1), integers in [low, high), bools 0/1)."""
from __future__ import annotations

import numpy as np

from converter.config import InputSpec


def export_batch_size(specs: tuple[InputSpec, ...]) -> int:
    """The batch used for export: at least 2 (torch.export specializes sizes 0 and 1) and, where
    possible, different from every other example dim so that no axis is confused with the batch."""
    batch = max([2] + [spec.shape[0] for spec in specs if spec.shape])
    other_dims = {d for spec in specs for d in spec.shape[1:]}
    while batch in other_dims:
        batch += 1
    return batch


def make_feeds(specs: tuple[InputSpec, ...], batch_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """{name: array} with dim 0 replaced by `batch_size` (scalars stay scalars)."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for spec in specs:
        shape = (batch_size,) + tuple(spec.shape[1:]) if spec.shape else ()
        dtype = np.dtype(spec.np_dtype)
        if dtype == np.bool_:
            feeds[spec.name] = rng.integers(0, 2, size=shape).astype(np.bool_)
        elif np.issubdtype(dtype, np.integer):
            feeds[spec.name] = rng.integers(spec.low, spec.high, size=shape, dtype=dtype)
        else:
            feeds[spec.name] = rng.standard_normal(size=shape).astype(dtype)
    return feeds
