"""Seeded verification inputs of the declared dtypes at a given batch size."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

from converter.config import INPUT_DTYPES, InputSpec
from converter.errors import BadInputError
from converter.onnx_dtypes import np_dtype


@dataclass(frozen=True)
class FeedSet:
    batch: int
    label: str                        # "normal" at every batch; other distributions and lengths once
    feeds: dict[str, np.ndarray]


# Other value distributions catch graphs traced through data-dependent control flow: such a graph
# matches PyTorch on inputs like the export example and nowhere else.
DISTRIBUTIONS = ("normal", "uniform", "shifted")


def make_feeds(specs: tuple[InputSpec, ...], batch: int, seed: int, distribution: str = "normal",
               lengths: dict[tuple[str, int], int] | None = None) -> dict[str, np.ndarray]:
    """One array per input: dim 0 is `batch`, the rest as in the spec (or `lengths[(name, axis)]`).
    Floats: normal N(0,1), uniform [0,1) or shifted N(3,1); ints in [low, high) (uniform: the
    extremes low and high-1 only; shifted: the upper half of the range); bools random or all true."""
    rng = np.random.default_rng(seed + 1000 * batch + 7 * DISTRIBUTIONS.index(distribution))
    feeds = {}
    for spec in specs:
        shape = [batch, *spec.shape[1:]]
        for (name, axis), length in (lengths or {}).items():
            if name == spec.name and 0 < axis < len(shape):
                shape[axis] = length
        feeds[spec.name] = _draw(rng, spec, tuple(shape), distribution)
    return feeds


def _draw(rng, spec: InputSpec, shape: tuple[int, ...], distribution: str) -> np.ndarray:
    dtype = np.dtype(spec.np_dtype)
    if dtype.kind == "f":
        if distribution == "uniform":
            return rng.random(shape).astype(dtype)
        return (rng.standard_normal(shape) + (3.0 if distribution == "shifted" else 0.0)).astype(dtype)
    if dtype.kind == "b":
        return np.ones(shape, bool) if distribution == "shifted" else rng.integers(0, 2, size=shape).astype(bool)
    if distribution == "uniform":
        return rng.choice(np.array([spec.low, spec.high - 1]), size=shape).astype(dtype)
    low = (spec.low + spec.high) // 2 if distribution == "shifted" else spec.low
    return rng.integers(low, spec.high, size=shape).astype(dtype)


def make_feed_sets(specs: tuple[InputSpec, ...], batches: tuple[int, ...], seed: int,
                   dynamic_axes: tuple[tuple[str, int, str], ...] = ()) -> list[FeedSet]:
    """Normal inputs at every batch size; at the middle batch also the other distributions and,
    for each --dynamic-axis of an input, a different length along it."""
    sets = [FeedSet(b, "normal", make_feeds(specs, b, seed)) for b in batches]
    probe = sorted(batches)[len(batches) // 2]
    sets += [FeedSet(probe, d, make_feeds(specs, probe, seed, d)) for d in DISTRIBUTIONS[1:]]
    by_name = {s.name: s for s in specs}
    for name, axis, _symbol in dynamic_axes:
        if name in by_name and 0 < axis < len(by_name[name].shape):
            length = by_name[name].shape[axis] + 3
            sets.append(FeedSet(probe, f"length {length}",
                                make_feeds(specs, probe, seed, lengths={(n, a): length for n, a, _ in dynamic_axes
                                                                        if a == axis})))
    return sets


def specs_from_onnx(model: onnx.ModelProto, given: tuple[InputSpec, ...]) -> tuple[InputSpec, ...]:
    """Input specs for a model that came as .onnx: the user's --input where given, else the graph's types."""
    by_name = {s.name: s for s in given}
    initialized = {i.name for i in model.graph.initializer}
    specs = []
    for value in model.graph.input:
        if value.name in initialized:
            continue
        tensor_type = value.type.tensor_type
        if value.name in by_name:
            specs.append(_checked_against_graph(by_name[value.name], tensor_type))
            continue
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


def _checked_against_graph(spec: InputSpec, tensor_type) -> InputSpec:
    """The user's --input must agree with the graph input it names (rank, dtype, fixed dims)."""
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
    graph_dtype = np.dtype(np_dtype(tensor_type.elem_type)).name
    if tensor_type.HasField("shape") and len(dims) != len(spec.shape):
        raise BadInputError(f"--input {spec.name}: rank {len(spec.shape)} {list(spec.shape)}, but the model's input "
                            f"{spec.name!r} has rank {len(dims)} {['?' if d is None else d for d in dims]}")
    if graph_dtype != spec.dtype:
        raise BadInputError(f"--input {spec.name}: dtype {spec.dtype}, but the model's input has dtype {graph_dtype}")
    for axis, (want, have) in enumerate(zip(dims[1:], spec.shape[1:]), start=1):
        if want is not None and want != have:
            raise BadInputError(f"--input {spec.name}: dim {axis} is {have}, but the model fixes it to {want}")
    return spec
