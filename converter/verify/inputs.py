"""Seeded verification inputs of the declared dtypes at a given batch size."""
from __future__ import annotations

import numpy as np
import onnx

from converter.config import INPUT_DTYPES, InputSpec
from converter.errors import BadInputError
from converter.tf_ops.dtypes import np_dtype


def make_feeds(specs: tuple[InputSpec, ...], batch: int, seed: int) -> dict[str, np.ndarray]:
    """One array per input: dim 0 is `batch`, the rest as in the spec; ints in [low, high)."""
    rng = np.random.default_rng(seed + 1000 * batch)
    feeds = {}
    for spec in specs:
        shape = (batch, *spec.shape[1:])
        dtype = np.dtype(spec.np_dtype)
        if dtype.kind == "f":
            feeds[spec.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[spec.name] = rng.integers(0, 2, size=shape).astype(bool)
        else:
            feeds[spec.name] = rng.integers(spec.low, spec.high, size=shape).astype(dtype)
    return feeds


def specs_from_onnx(model: onnx.ModelProto, given: tuple[InputSpec, ...]) -> tuple[InputSpec, ...]:
    """Input specs for a model that came as .onnx: the user's --input where given, else the graph's types."""
    by_name = {s.name: s for s in given}
    initialized = {i.name for i in model.graph.initializer}
    specs = []
    for value in model.graph.input:
        if value.name in initialized:
            continue
        if value.name in by_name:
            specs.append(by_name[value.name])
            continue
        tensor_type = value.type.tensor_type
        dtype = np.dtype(np_dtype(tensor_type.elem_type)).name
        if dtype not in INPUT_DTYPES:
            raise BadInputError(f"input {value.name!r} has dtype {dtype}, which verification cannot generate")
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
        if any(d is None for d in dims[1:]):
            raise BadInputError(f"input {value.name!r} has a dynamic dimension besides the batch {dims}; "
                                f"give its example shape with --input {value.name}:{dtype}:<dims joined by x>")
        specs.append(InputSpec(value.name, dtype, tuple([2] + [int(d) for d in dims[1:]])))
    unknown = set(by_name) - {s.name for s in specs}
    if unknown:
        raise BadInputError(f"--input names {sorted(unknown)} are not inputs of the ONNX graph "
                            f"(its inputs: {[s.name for s in specs]})")
    return tuple(specs)
