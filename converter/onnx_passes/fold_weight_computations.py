"""FoldWeightComputationsPass: what the graph computes from its weights alone is computed once, here.

Some models derive a tensor from parameters only, on every forward: weight normalisation (wav2vec2's
positional convolution, `g * v / ||v||`), relative-position tables projected or gathered (DeBERTa-v2's
position keys and queries, CoAtNet's and MaxViT's relative bias), `logit_scale.exp()` (CLIP). The exporters
keep these as nodes over initializers. Served, TF would run them per request (the weights are tf.Variables,
which TF's own constant folding does not read), and a convolution whose weight is computed keeps an HWIO
transpose per request that the layout passes otherwise do once (wav2vec2: 130 us at batch 1).
Each such node (standard domain, deterministic, no subgraph) is evaluated with ONNX's reference
implementation and replaced by an initializer, in graph order, so a chain folds whole.
Left alone: Identity (an alias: folding would copy the weight; nodes reading one still fold), nodes that read
no initializer (Constant nodes only: TF folds those at load), nodes producing a graph output, results
larger than both their inputs and MAX_FOLDED_ELEMENTS (an expanded mask is not worth storing as a weight),
and inputs above MAX_INPUT_ELEMENTS in all (a product of two large weights would take long to evaluate here).
Runs after the ONNX Runtime reference is taken: the graph it leaves is for our translation only.
"""
from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from converter.onnx_passes._layout import add_initializer, redirect_uses
from converter.onnx_passes._match import folding_result

__all__ = ["FoldWeightComputationsPass"]

logger = logging.getLogger(__name__)

MAX_FOLDED_ELEMENTS = 1 << 18
MAX_INPUT_ELEMENTS = 1 << 24      # beyond, evaluating at conversion (a product of two large weights) takes long
# Not functions of their inputs alone, or not tensors in and out.
NOT_FOLDED = {"Identity", "Constant", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
              "Bernoulli", "Multinomial", "If", "Loop", "Scan", "SequenceConstruct", "SequenceEmpty",
              "SequenceInsert", "SequenceAt", "SplitToSequence", "ConcatFromSequence", "Optional"}


class FoldWeightComputationsPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        opset = model.opset_imports.get("", model.opset_imports.get("ai.onnx", 18))
        folded = 0
        for node in list(model.graph):          # graph order is topological: a chain folds link by link
            results = _evaluate(node, opset)
            if results is None:
                continue
            for output, array in zip(node.outputs, results):
                redirect_uses(model.graph, output, add_initializer(model.graph, output.name or node.op_type, array))
            model.graph.remove(node, safe=True)
            folded += 1
        return folding_result(model, folded, logger,
                              "FoldWeightComputationsPass: %d nodes computed from weights alone folded")


def _evaluate(node: ir.Node, opset: int) -> list[np.ndarray] | None:
    """The node's outputs when it computes from weights alone and is worth folding, else None."""
    if node.domain not in ("", "ai.onnx") or node.op_type in NOT_FOLDED or not node.inputs:
        return None
    if any(output.is_graph_output() for output in node.outputs):
        return None
    sources = [_source(value) for value in node.inputs if value is not None]
    tensors = [None if source.is_graph_input() else ir.convenience.get_const_tensor(source) for source in sources]
    if any(tensor is None for tensor in tensors) or not any(source.is_initializer() for source in sources):
        return None
    read = sum(tensor.size for tensor in tensors)     # checked before any weight is loaded (external data)
    largest = max(MAX_FOLDED_ELEMENTS, read)
    if read > MAX_INPUT_ELEMENTS or any(_static_size(output) > largest for output in node.outputs):
        return None                                   # known too large: not evaluated
    from onnx.reference import ReferenceEvaluator

    feeds = {f"in{i}": tensor.numpy() for i, tensor in enumerate(tensors)}
    names = iter(feeds)
    proto = ir.serde.serialize_node(node)
    proto.ClearField("input")
    proto.input.extend(next(names) if value is not None else "" for value in node.inputs)
    try:
        results = ReferenceEvaluator(proto, opsets={"": opset}).run(None, feeds)
    except Exception as error:  # noqa: BLE001 - an op the reference cannot run stays in the served graph
        logger.debug("FoldWeightComputationsPass: %s %s left as is (%s)", node.op_type, node.name, error)
        return None
    results = [np.asarray(result, dtype=_numpy_dtype(output)) for result, output in zip(results, node.outputs)]
    if any(result.size > largest for result in results):
        return None
    return results


def _numpy_dtype(value: ir.Value):
    """The declared element type (None when the graph does not say: the reference's own stands)."""
    return value.dtype.numpy() if value.dtype is not None else None


def _static_size(value: ir.Value) -> int:
    """Elements of `value` as its declared shape gives them (0 when not static)."""
    dims = list(value.shape) if value.shape is not None else [None]
    return int(np.prod(dims, dtype=np.int64)) if all(isinstance(d, int) for d in dims) else 0


def _source(value: ir.Value) -> ir.Value:
    """`value` seen through Identity nodes (the exporters alias shared weights with them)."""
    producer = value.producer()
    while producer is not None and producer.op_type == "Identity" and producer.domain in ("", "ai.onnx"):
        value = producer.inputs[0]
        producer = value.producer()
    return value
