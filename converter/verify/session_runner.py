"""Run a SavedModel signature the way `saved_model_cli run` and TF Serving do: TF1 session, tag `serve`,
signature by name, feeding the signature's tensor names; in a TensorFlow child process (converter/child.py,
or the conversion's TensorFlow worker, converter/workers.py), so nothing of the converting process leaks
into it. The session works on a graph of its own (graph mode for that graph only, as a TF1 program runs),
so the same process may have translated and saved the model eagerly before: the outputs are the same,
bit for bit, as in a process that switched eager execution off (tests/verify/test_shared_process.py).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from converter.child import ChildContext, ChildProcess
from converter.errors import ConverterError, InternalError


@contextmanager
def serving_session(saved_model_dir: str):
    """(session, MetaGraphDef) of the SavedModel loaded as TF Serving loads it: a TF1 session, tag `serve`,
    on a fresh graph (TF1 graph mode for that graph only: the process's eager state is untouched)."""
    import tensorflow as tf
    from tensorflow.python.util import deprecation

    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        with deprecation.silence():     # the TF1 loader is TF Serving's path; its deprecation notice is noise
            meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], saved_model_dir)
        yield session, meta_graph


def run_in_session(saved_model_dir: str, signature: str, feeds_list: list[dict[str, np.ndarray]]) -> list[dict]:
    results = []
    with serving_session(saved_model_dir) as (session, meta_graph):
        if signature not in meta_graph.signature_def:
            raise KeyError(f"signature {signature!r} not in {sorted(meta_graph.signature_def)}")
        signature_def = meta_graph.signature_def[signature]
        fetch_keys = sorted(signature_def.outputs)
        fetches = [signature_def.outputs[k].name for k in fetch_keys]
        for feeds in feeds_list:
            feed_dict = {signature_def.inputs[k].name: v for k, v in feeds.items()}
            values = session.run(fetches, feed_dict=feed_dict)
            results.append(dict(zip(fetch_keys, values)))
    return results


def run_in_subprocess(saved_model_dir: Path, signature: str, feeds_list: list[dict[str, np.ndarray]],
                      timeout_seconds: int = 1800, kernels: dict[str, str] | None = None,
                      worker=None) -> list[dict[str, np.ndarray]]:
    """Outputs (keyed by signature output key) per feed set (keyed by signature input key). `kernels`:
    converter.child.EIGEN_KERNELS or ONEDNN_KERNELS; None: this machine's default. `worker`: a started
    TensorFlow ChildWorker with those kernels to run in (None: a child process of its own)."""
    request = {"saved_model_dir": str(Path(saved_model_dir).resolve()), "signature": signature,
               "feed_sets": len(feeds_list)}
    if worker is not None:
        check_worker_kernels(worker, kernels)
        task = worker.task(_run_request, "verify", timeout=timeout_seconds)
        _write_feeds(task.scratch, feeds_list)
        task.submit(request).result()
        return _read_outputs(task.scratch, len(feeds_list))
    with ChildProcess(_run_request, "verify", timeout=timeout_seconds, env=kernels) as child:
        _write_feeds(child.scratch, feeds_list)
        child.run(request)
        return _read_outputs(child.scratch, len(feeds_list))


def check_worker_kernels(worker, kernels: dict[str, str] | None) -> None:
    """A worker serves the kernel family it was started with (TF reads the variable once per process)."""
    if kernels is not None and any(worker.env.get(k) != v for k, v in kernels.items()):
        raise InternalError(f"the {worker.name} process runs with {worker.env}, the stage needs {kernels}")


def _write_feeds(folder: Path, feeds_list: list[dict[str, np.ndarray]]) -> None:
    for index, feeds in enumerate(feeds_list):
        np.savez(folder / f"in{index}.npz", **feeds)


def _read_outputs(folder: Path, count: int) -> list[dict[str, np.ndarray]]:
    return [dict(np.load(folder / f"out{index}.npz")) for index in range(count)]


def _run_request(request: dict, context: ChildContext) -> None:
    feeds_list = [dict(np.load(context.scratch / f"in{index}.npz")) for index in range(request["feed_sets"])]
    try:
        outputs = run_in_session(request["saved_model_dir"], request["signature"], feeds_list)
    except Exception as error:  # noqa: BLE001 - TF's errors: what failed and where, in one line
        raise ConverterError("loading the SavedModel in a TF Serving-style session failed: "
                             f"{tf_error_line(error)}") from None
    for index, values in enumerate(outputs):
        np.savez(context.scratch / f"out{index}.npz", **values)


# Lines of a TF error message that say where, not what: the wrapper's headline, stack traces, node markers.
_TF_CONTEXT_LINE = re.compile(r"^(Graph execution error:|\d+ root error\(s\) found\.|\d+ (successful operations|derived "
                              r"errors ignored)\.|Detected at node|Node: |File |Original stack trace|\[\[)")
_TF_NODE = re.compile(r"\{\{node ([^}]+)\}\}")


def tf_error_line(error: BaseException) -> str:
    """One line from a TF run error: its class, TF's own first line of what went wrong and the node, e.g.
    `UnimplementedError: Fused conv implementation does not support grouped convolutions for now. (node
    conv/Relu)`. TF puts the node marker last, after the cause: keeping only the last line loses the cause."""
    message = getattr(error, "message", None) or str(error)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    causes = [line for line in lines if not _TF_CONTEXT_LINE.match(line)]
    cause = re.sub(r"^\(\d+\) ([A-Z_]+: )?", "", causes[0]) if causes else (lines[0] if lines else "no message")
    node = _TF_NODE.search(message)
    return f"{type(error).__name__}: {cause}" + (f" (node {node.group(1)})" if node else "")
