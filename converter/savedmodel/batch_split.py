"""Batch split (`--batch-split`, opt-in; off by default): the SavedModel runs a batch of N or more as N slices side by side in
one graph, each slice through its own copy of the ops (the weights are shared), and concatenates the
outputs. A smaller batch takes the plain path (a `tf.cond` on the batch size).

Why: TF spreads each convolution over its intra-op threads and waits for all of them before the next
op starts; two independent chains let one chain's kernels fill the other's waits. On ResNet-50 at batch 32
(2 cores) this was faster in 6 of 7 paired runs (by 1-6%, on par in the other), neutral on a small CNN;
on the BERT-base encoder (matmuls) it was slower, so `auto` turns it on for graphs with convolutions only.
Per-sample numerics are unchanged, and the verification's batch sizes (3 and 8 by default) run the split
path.

It requires that samples do not interact: every input and output carries the same symbolic batch
dimension at axis 0. A model mixing samples across the batch (e.g. normalising over the batch) would fail
parity with the split; `--batch-split off` serves it unsplit.

Off by default: it triples the served graph (the model three times behind a `tf.cond`) for a gain within
the host's drift that was only measured on 2 cores.
"""
from __future__ import annotations

import logging

import onnx

from converter.errors import BadInputError

logger = logging.getLogger(__name__)

AUTO, OFF = "auto", "off"
AUTO_WAYS = 2                        # one chain per core on the 2-core machine it was measured on
SPLIT_WHEN_GRAPH_HAS = frozenset({"Conv", "ConvTranspose"})


def resolve_batch_split(model: onnx.ModelProto, requested: str, backend: str = "native") -> int:
    """How many slices the SavedModel splits a batch into (1: no split); `requested` is validated by
    ConversionConfig: auto, off or a number >= 1."""
    if requested == OFF:
        return 1
    obstacle = _why_samples_may_interact(model)
    if requested == AUTO:
        convolutional = any(node.op_type in SPLIT_WHEN_GRAPH_HAS for node in model.graph.node)
        if backend != "native" or obstacle or not convolutional:
            return 1
        logger.info("batches of %d or more run as %d slices side by side (convolutional graph; "
                    "--batch-split off to serve them unsplit)", AUTO_WAYS, AUTO_WAYS)
        return AUTO_WAYS
    ways = int(requested)
    if ways > 1 and obstacle:
        raise BadInputError(f"--batch-split {ways}: {obstacle}, so a batch cannot be cut into slices; "
                            "use --batch-split off")
    return ways


def confirm_batch_split(ways: int, requested: str, batches: list[int], reference_outputs: list[list],
                        output_names: list[str]) -> int:
    """`ways` once the references' outputs (at `batches[i]`: `reference_outputs[i]`, in `output_names`
    order) show each output as one row per sample; an output whose other dimensions follow the batch size
    (CLIP's logits_per_image is [images, texts]) mixes samples, and slices would not even concatenate:
    `auto` then serves unsplit, an explicit N is refused with the hint."""
    if ways <= 1:
        return ways
    obstacle = _batch_sized_dimensions(batches, reference_outputs, output_names)
    if obstacle is None:
        return ways
    if requested == AUTO:
        logger.info("batches are not split: %s", obstacle)
        return 1
    raise BadInputError(f"--batch-split {requested}: {obstacle}, so a batch cannot be cut into slices; "
                        "use --batch-split off")


def _batch_sized_dimensions(batches: list[int], reference_outputs: list[list], output_names: list[str]) -> str | None:
    seen: dict[str, tuple[int, tuple]] = {}
    for batch, outputs in zip(batches, reference_outputs):
        for name, value in zip(output_names, outputs):
            shape = tuple(getattr(value, "shape", ()))
            if shape[:1] != (batch,):
                return f"output {name!r} has shape {list(shape)} at batch {batch}, not one row per sample"
            first = seen.setdefault(name, (batch, shape))
            if first[1][1:] != shape[1:]:
                return (f"output {name!r} has shape {list(first[1])} at batch {first[0]} and {list(shape)} at batch "
                        f"{batch}: its other dimensions follow the batch size (the model mixes samples)")
    return None


def _why_samples_may_interact(model: onnx.ModelProto) -> str | None:
    initialized = {i.name for i in model.graph.initializer}
    tensors = [v for v in model.graph.input if v.name not in initialized] + list(model.graph.output)
    batch_symbols = set()
    for value in tensors:
        dims = value.type.tensor_type.shape.dim
        if not dims or not dims[0].dim_param:
            return f"{value.name!r} has no dynamic batch dimension at axis 0"
        batch_symbols.add(dims[0].dim_param)
    if len(batch_symbols) > 1:
        return f"the inputs and outputs name different first dimensions ({', '.join(sorted(batch_symbols))})"
    return None


def run_split(run, feeds: dict, output_names: list[str], ways: int) -> dict:
    """`run(feeds)` on `ways` slices of the batch when it has at least `ways` samples, else on all of it."""
    import tensorflow as tf

    def whole(part: dict) -> dict:
        outputs = run(part)
        return {name: outputs[name] for name in output_names}

    if ways <= 1:
        return whole(feeds)
    batch = tf.shape(next(iter(feeds.values())))[0]

    def sliced() -> dict:
        bounds = [batch * i // ways for i in range(ways + 1)]
        parts = [whole({name: value[bounds[i]:bounds[i + 1]] for name, value in feeds.items()})
                 for i in range(ways)]
        return {name: tf.concat([part[name] for part in parts], axis=0) for name in output_names}

    return tf.cond(batch >= ways, sliced, lambda: whole(feeds))
