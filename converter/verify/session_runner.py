"""Run a SavedModel signature the way `saved_model_cli run` and TF Serving do: TF1 session, tag `serve`,
signature by name, feeding the signature's tensor names. Meant to run in its own process:

    python -m converter.verify.session_runner DIR SIGNATURE IN.npz OUT.npz [IN2.npz OUT2.npz ...]

Each IN.npz holds arrays keyed by signature input key; OUT.npz gets outputs keyed by output key.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from converter.errors import ConverterError


def run_in_session(saved_model_dir: str, signature: str, feeds_list: list[dict[str, np.ndarray]]) -> list[dict]:
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    results = []
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], saved_model_dir)
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
                      timeout_seconds: int = 1800) -> list[dict[str, np.ndarray]]:
    """The verification run, in a fresh process so nothing of the converting process leaks into it."""
    with tempfile.TemporaryDirectory(prefix="verify-") as work:
        args = []
        for i, feeds in enumerate(feeds_list):
            in_path, out_path = Path(work) / f"in{i}.npz", Path(work) / f"out{i}.npz"
            np.savez(in_path, **feeds)
            args += [str(in_path), str(out_path)]
        run_module("converter.verify.session_runner", [str(saved_model_dir), signature, *args],
                   "loading the SavedModel in a TF Serving-style session", timeout_seconds)
        return [dict(np.load(Path(work) / f"out{i}.npz")) for i in range(len(feeds_list))]


def run_module(module: str, args: list[str], what: str, timeout_seconds: int) -> str:
    """`python -m module args` from the project root, TF's C++ logging quiet; its stdout, or a one-line
    ConverterError with the last line it wrote to stderr."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    process = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                             cwd=str(Path(__file__).resolve().parents[2]), timeout=timeout_seconds)
    if process.returncode != 0:
        last = [line for line in process.stderr.strip().splitlines() if line.strip()][-1:] or ["no output"]
        raise ConverterError(f"{what} failed: {last[0]}")
    return process.stdout


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


def main(argv: list[str]) -> int:
    import_quietly = Path(__file__).resolve().parents[2] / "scripts"
    sys.path.insert(0, str(import_quietly))
    from _cli import import_tensorflow_quietly

    import_tensorflow_quietly()
    saved_model_dir, signature, *paths = argv
    pairs = list(zip(paths[0::2], paths[1::2]))
    feeds_list = [dict(np.load(in_path)) for in_path, _ in pairs]
    import tensorflow as tf

    try:
        results = run_in_session(saved_model_dir, signature, feeds_list)
    except tf.errors.OpError as error:     # the parent keeps our last stderr line: make it say what went wrong
        print(tf_error_line(error), file=sys.stderr)
        return 1
    for (_, out_path), outputs in zip(pairs, results):
        np.savez(out_path, **outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
