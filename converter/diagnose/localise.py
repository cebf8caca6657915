"""Run the graph in ONNX Runtime with every intermediate value exposed and our TF translation with the
matching intermediate tensors, on the same inputs; report the first nodes whose outputs diverge."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import onnx
import tensorflow as tf

from converter.diagnose.provenance import source_line_of, torch_module_of
from converter.tf_ops.module import OnnxModule
from converter.tf_ops.registry import OpRegistry
from converter.verify.compare import compare_output

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeDiff:
    index: int                      # position in topological order
    node: str
    op_type: str
    output: str
    input_shapes: tuple
    max_abs: float
    max_rel: float
    passed: bool
    torch_module: str = ""
    source_line: str = ""


@dataclass
class Diagnosis:
    atol: float
    rtol: float
    nodes: list[NodeDiff] = field(default_factory=list)
    note: str = ""

    @property
    def divergent(self) -> list[NodeDiff]:
        return [n for n in self.nodes if not n.passed]

    def summary(self, limit: int = 3) -> str:
        first = self.divergent[:limit]
        if not first:
            return self.note or "no node of the ONNX graph diverges between ONNX Runtime and the TF translation"
        parts = [f"{n.op_type} node {n.node!r} (#{n.index}, output {n.output!r}, max abs {n.max_abs:.3g}"
                 f"{', from ' + n.torch_module if n.torch_module else ''})" for n in first]
        return "first divergent nodes: " + "; ".join(parts)

    def as_dict(self) -> dict:
        return {"atol": self.atol, "rtol": self.rtol, "note": self.note, "summary": self.summary(),
                "first_divergent": asdict(self.divergent[0]) if self.divergent else None,
                "nodes": [asdict(n) for n in self.nodes]}


def localise_divergence(model: onnx.ModelProto, feeds: dict[str, np.ndarray], registry: OpRegistry,
                        atol: float, rtol: float) -> Diagnosis:
    """Compare every top-level node output that has a known tensor type, in graph order."""
    inferred = onnx.shape_inference.infer_shapes(model)
    typed = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]
             if v.type.HasField("tensor_type") and v.type.tensor_type.elem_type}
    names = [o for n in model.graph.node for o in n.output if o and o in typed]
    expected = _onnxruntime_values(inferred, typed, names, feeds)
    actual = _tf_values(model, registry, names, feeds)
    shapes = {name: tuple(np.shape(value)) for name, value in {**feeds, **expected}.items()}
    diagnosis = Diagnosis(atol, rtol)
    for index, node in enumerate(model.graph.node):
        for output in node.output:
            if output not in expected or output not in actual:
                continue
            diff = compare_output(0, "onnxruntime", output, actual[output], expected[output], atol, rtol)
            diagnosis.nodes.append(NodeDiff(index, node.name or output, node.op_type, output,
                                            tuple(shapes.get(i, ()) for i in node.input if i),
                                            diff.max_abs, diff.max_rel, diff.passed,
                                            torch_module_of(node), source_line_of(node)))
    return diagnosis


def _onnxruntime_values(model: onnx.ModelProto, typed: dict, names: list[str], feeds) -> dict[str, np.ndarray]:
    from converter.verify import onnxruntime_session

    exposed = onnx.ModelProto()
    exposed.CopyFrom(model)
    present = {o.name for o in exposed.graph.output}
    exposed.graph.output.extend(typed[n] for n in names if n not in present)
    session = onnxruntime_session(exposed, optimize=False)
    output_names = [o.name for o in session.get_outputs()]
    return dict(zip(output_names, session.run(output_names, feeds)))


def _tf_values(model: onnx.ModelProto, registry: OpRegistry, names: list[str], feeds) -> dict[str, np.ndarray]:
    module = OnnxModule(model, registry)
    graph_outputs = set(module.output_names)
    extra = tuple(n for n in names if n not in graph_outputs)
    run = tf.function(lambda f: module.run(f, extra_outputs=extra), autograph=False)
    values = run({name: tf.constant(value) for name, value in feeds.items()})
    return {name: value.numpy() for name, value in values.items() if hasattr(value, "numpy")}


def write_diagnosis(diagnosis: Diagnosis, out_dir: Path) -> tuple[Path, Path | None]:
    """diagnosis.json and, when matplotlib is available, diagnosis.png (error per node along the graph)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "diagnosis.json"
    json_path.write_text(json.dumps(diagnosis.as_dict(), indent=2))
    try:
        from converter.diagnose.plot import plot_node_errors
    except ImportError:
        logger.warning("matplotlib is not installed; diagnosis.png was not drawn")
        return json_path, None
    return json_path, plot_node_errors(diagnosis, out_dir / "diagnosis.png")
