"""The error-per-node plot: max abs error of each node output along the graph, first divergence marked."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def plot_node_errors(diagnosis, path: Path) -> Path:
    nodes = diagnosis.nodes
    figure, axes = plt.subplots(figsize=(max(6.0, min(24.0, len(nodes) * 0.12)), 4.0))
    x = list(range(len(nodes)))
    errors = [max(n.max_abs, 1e-12) for n in nodes]
    axes.semilogy(x, errors, marker=".", linewidth=0.8, label="max abs error of the node output")
    axes.axhline(diagnosis.atol, color="grey", linestyle="--", linewidth=0.8, label=f"atol {diagnosis.atol:g}")
    if diagnosis.divergent:
        first = diagnosis.divergent[0]
        position = nodes.index(first)
        axes.axvline(position, color="red", linewidth=1.0)
        axes.annotate(f"first divergence: {first.op_type} {first.node}", (position, errors[position]),
                      textcoords="offset points", xytext=(6, 6), color="red", fontsize=8)
    axes.set_xlabel("node output, in graph order")
    axes.set_ylabel("max abs error vs ONNX Runtime")
    axes.set_title("TF translation vs ONNX Runtime, per node")
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
