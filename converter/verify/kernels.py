"""Which kernels TF's CPU runtime really runs for a SavedModel signature: the graph after grappler (fusions,
constant folding) and the oneDNN rewrite, as a TF1 session (TF Serving's path) builds it on first use.
Meant to run in its own process (TF1 graph mode is process-wide): served_kernels_in_subprocess, or

    python -m converter.verify.kernels DIR SIGNATURE IN.npz      # prints {"kernel[fused ops]": count} as JSON
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from converter.child import ONEDNN_KERNELS, ChildContext, ChildProcess
from converter.verify.session_runner import serving_session

# Bookkeeping nodes of every partition graph: not kernels that compute anything.
_PLUMBING = frozenset({"_Arg", "_Retval", "NoOp", "Const", "Identity", "IdentityN", "VarHandleOp", "ReadVariableOp"})


def kernel_name(node) -> str:
    """'_MklNativeFusedConv2D[BiasAdd,Add,Relu]' for fused kernels, the op type for the others."""
    fused = [f.decode() for f in node.attr["fused_ops"].list.s] if "fused_ops" in node.attr else []
    return f"{node.op}[{','.join(fused)}]" if fused else node.op


def served_kernels(saved_model_dir: str, signature: str, feeds: dict[str, np.ndarray]) -> dict[str, int]:
    import tensorflow as tf

    with serving_session(saved_model_dir) as (session, meta_graph):
        signature_def = meta_graph.signature_def[signature]
        metadata = tf.compat.v1.RunMetadata()
        session.run([t.name for t in signature_def.outputs.values()],
                    {signature_def.inputs[k].name: v for k, v in feeds.items()},
                    options=tf.compat.v1.RunOptions(output_partition_graphs=True), run_metadata=metadata)
    census = Counter(kernel_name(n) for g in metadata.partition_graphs for n in g.node if n.op not in _PLUMBING)
    return dict(census.most_common())


def served_kernels_in_subprocess(saved_model_dir: Path, signature: str, feeds: dict[str, np.ndarray],
                                 kernels: dict[str, str] | None = ONEDNN_KERNELS) -> dict:
    """The census in a fresh process, by default with oneDNN's kernels (what TF Serving runs on CPUs where
    TF turns oneDNN on, and what our fusions aim at; converter/child.py), whatever this machine's default."""
    with ChildProcess(_census_request, "served kernels", timeout=600, env=kernels) as child:
        np.savez(child.scratch / "in.npz", **feeds)
        return child.run({"saved_model_dir": str(Path(saved_model_dir).resolve()), "signature": signature})


def _census_request(request: dict, context: ChildContext) -> dict[str, int]:
    return served_kernels(request["saved_model_dir"], request["signature"], dict(np.load(context.scratch / "in.npz")))


def main(argv: list[str]) -> int:
    saved_model_dir, signature, in_path = argv
    print(json.dumps(served_kernels(saved_model_dir, signature, dict(np.load(in_path)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
