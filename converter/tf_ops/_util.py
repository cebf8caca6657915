"""Small helpers shared by op handlers (kept few: most handlers should need none)."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError


def normalize_axis(axis: int, rank: int) -> int:
    """ONNX allows negative axes counted from the end."""
    return axis + rank if axis < 0 else axis


def static_ints(node, index: int, what: str = "") -> list[int] | None:
    """Input `index` as a Python list of ints when its value is known at graph-build time, else None."""
    value = node.input(index)
    if value is None:
        return None
    static = tf.get_static_value(value)
    return None if static is None else [int(v) for v in np.asarray(static).reshape(-1)]


def require_static_ints(node, index: int, what: str) -> list[int]:
    values = static_ints(node, index)
    if values is None:
        raise OpTranslationError(f"{node.describe()}: {what} (input {index}) must be a constant; "
                                 "it is computed at run time, which this translation does not support")
    return values


def rank_of(tensor) -> int | None:
    return tensor.shape.rank


def small_float32(x, per_item_limit: int) -> bool:
    """A float32 tensor of rank 2 or more with at most `per_item_limit` elements per batch item (all axes but
    the first, each of known size): the sizes at which oneDNN's fixed cost per call outweighs its kernel (see
    _softmax.py, _swish.py)."""
    if x.dtype != tf.float32 or x.shape.rank is None or x.shape.rank < 2:
        return False
    per_item = x.shape.as_list()[1:]
    return None not in per_item and int(np.prod(per_item)) <= per_item_limit
