"""Which ops a SavedModel needs, and which of them a stock tensorflow_model_server cannot run.

Fails on: Python-callback ops (PyFunc, PyFuncStateless, EagerPyFunc: registered in C++ but their
kernels call back into a Python interpreter the server does not have), and ops missing from TF's
C++ op registry (custom op libraries such as tensorflow_text / tf.load_op_library, namespaced ops
like "Addons>Foo", or ops newer than the installed TF).

--serving-version: TF Serving 2.X is built on TensorFlow 2.X, so its op set is TF 2.X's C++ op
registry. We compare against converter/serving/op_lists/tf-2.X.txt when that file exists (one
op name per line, written by `scripts/check_serving.py --dump-op-list` under tensorflow==2.X);
without it we can only compare the TF version that wrote the SavedModel and say so.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

PYTHON_CALLBACK_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
OP_LISTS_DIR = Path(__file__).parent / "op_lists"


def graph_op_histogram(meta_graph) -> Counter:
    """Count every node's op in the graph and in every function of its library.

    Nodes that call a library function by name count as that function's name; callers separate
    them with function_names().
    """
    counts = Counter(node.op for node in meta_graph.graph_def.node)
    for function in meta_graph.graph_def.library.function:
        counts.update(node.op for node in function.node_def)
    return counts


def function_names(meta_graph) -> set[str]:
    return {f.signature.name for f in meta_graph.graph_def.library.function}


def _version_key(text: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def op_list_for(serving_version: str) -> set[str] | None:
    major, minor = _version_key(serving_version)
    path = OP_LISTS_DIR / f"tf-{major}.{minor}.txt"
    if not path.exists():
        return None
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def check_ops(meta_graph, registered: set[str], serving_version: str | None = None
              ) -> tuple[dict[str, int], list[str], list[str]]:
    """Return (op histogram without function calls, problems, warnings)."""
    histogram = graph_op_histogram(meta_graph)
    for name in function_names(meta_graph):
        histogram.pop(name, None)
    problems, warnings = [], []
    callbacks = sorted(op for op in histogram if op in PYTHON_CALLBACK_OPS)
    if callbacks:
        problems.append(f"Python callback ops {', '.join(callbacks)}: TF Serving has no Python interpreter to run "
                        "them; replace the tf.py_function/tf.numpy_function with TF ops")
    unknown = sorted(op for op in histogram if op not in registered)
    if unknown:
        kinds = "custom op library ops" if any(">" in op for op in unknown) else "ops"
        problems.append(f"{kinds} not in TensorFlow's op registry: {', '.join(unknown)}; a stock "
                        "tensorflow_model_server cannot load them (custom op library or newer TF)")
    if serving_version:
        warnings.extend(_serving_version_warnings(meta_graph, histogram, serving_version))
    return dict(sorted(histogram.items())), problems, warnings


def _serving_version_warnings(meta_graph, histogram: Counter, serving_version: str) -> list[str]:
    warnings = []
    writer = meta_graph.meta_info_def.tensorflow_version
    if _version_key(writer) > _version_key(serving_version):
        warnings.append(f"SavedModel written by TensorFlow {writer}, newer than TF Serving {serving_version}: "
                        "ops or attributes added after that version fail with 'Op type not registered'")
    known = op_list_for(serving_version)
    if known is None:
        warnings.append(f"no op list for TF {serving_version} in {OP_LISTS_DIR}; cannot tell which ops are newer "
                        "(create it with scripts/check_serving.py --dump-op-list under that tensorflow version)")
        return warnings
    newer = sorted(op for op in histogram if op not in known)
    if newer:
        warnings.append(f"ops not in TF {serving_version}'s op registry: {', '.join(newer)}; "
                        f"TF Serving {serving_version} will refuse to load this model")
    return warnings
