"""Plain-words reasons for the broken ONNX graphs the checker reports only as "not topologically sorted"."""
from __future__ import annotations

import onnx


def graph_problem(model: onnx.ModelProto) -> str | None:
    """A dangling input / missing initializer, or a cycle, in the top-level graph; None if neither."""
    graph = model.graph
    available = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    produced = {output for node in graph.node for output in node.output if output}
    for node in graph.node:
        for name in node.input:
            if name and name not in available and name not in produced:
                return (f"input {name!r} of node {node.name or '?'!r} ({node.op_type}) is neither a graph input, "
                        f"an initializer nor any node's output (dangling input or missing initializer)")
    stuck = _nodes_in_cycles(graph, available)
    if stuck:
        return f"the graph has a cycle through node(s) {', '.join(repr(n) for n in stuck[:5])}"
    return None


def _nodes_in_cycles(graph: onnx.GraphProto, available: set[str]) -> list[str]:
    """Kahn's algorithm on the top-level nodes; the nodes never ready are on or behind a cycle."""
    ready = set(available)
    pending = list(graph.node)
    progress = True
    while pending and progress:
        progress = False
        for node in list(pending):
            if all(not name or name in ready for name in node.input):
                ready.update(node.output)
                pending.remove(node)
                progress = True
    return [node.name or node.op_type for node in pending]


def one_line(exc: BaseException, limit: int = 400) -> str:
    """The checker's multi-line messages joined into one line (the node name is on the second line)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:limit]}"
