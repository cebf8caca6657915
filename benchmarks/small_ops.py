"""oneDNN's fixed cost per call on small transposes and batched matrix products, against the forms the
translation uses instead (converter/tf_ops/_transpose.py, converter/tf_ops/_matmul.py).

Under oneDNN (TF's default on AVX-512 CPUs, TF_ENABLE_ONEDNN_OPTS=1 elsewhere) TF runs a float32 Transpose as
_MklTranspose and a BatchMatMulV2 as _MklBatchMatMulV2; the translation runs a transpose on the int32 view of
the tensor (Bitcast, a view) and a small product as BatchMatMulV3, which oneDNN leaves to TF's Eigen kernels.
For each op, both forms, each in a TF1 session of its own (as TF Serving runs a model), kernel time per call
from TF's step stats; both kernel families, each in a child process (TF reads the variable once, at import).
The last column is the form the translation picks for that op.

    python -m benchmarks.small_ops [--runs 60]      # idle machine
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.report import publish_results, run_children
from benchmarks.zoo.report import machine

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = {"eigen": {"TF_ENABLE_ONEDNN_OPTS": "0"}, "onednn": {"TF_ENABLE_ONEDNN_OPTS": "1"}}
# name -> ("transpose", shape, perm) or ("matmul", a shape, b shape); the first axis is the batch.
OPS = {
    "heads split, 4 x 16 tokens x 16, batch 1": ("transpose", (1, 16, 4, 16), (0, 2, 1, 3)),
    "heads split, 4 x 197 tokens x 16, batch 8": ("transpose", (8, 197, 4, 16), (0, 2, 1, 3)),
    "heads split, 12 x 128 tokens x 64, batch 1": ("transpose", (1, 128, 12, 64), (0, 2, 1, 3)),
    "heads split, 12 x 128 tokens x 64, batch 8": ("transpose", (8, 128, 12, 64), (0, 2, 1, 3)),
    "heads split, 12 x 128 tokens x 64, batch 32": ("transpose", (32, 128, 12, 64), (0, 2, 1, 3)),
    "key for Q @ K^T, 4 x 16 x 16, batch 1": ("transpose", (1, 4, 16, 16), (0, 1, 3, 2)),
    "key for Q @ K^T, 4 x 16 x 16, batch 8": ("transpose", (8, 4, 16, 16), (0, 1, 3, 2)),
    "key for Q @ K^T, 4 x 16 x 16, batch 32": ("transpose", (32, 4, 16, 16), (0, 1, 3, 2)),
    "NCHW -> NHWC, 3 x 224 x 224, batch 1": ("transpose", (1, 3, 224, 224), (0, 2, 3, 1)),
    "NCHW -> NHWC, 64 x 32 x 32, batch 8": ("transpose", (8, 64, 32, 32), (0, 2, 3, 1)),
    "Q @ K^T, 4 x 16 x 16 x 16, batch 1": ("matmul", (1, 4, 16, 16), (1, 4, 16, 16)),
    "Q @ K^T, 4 x 16 x 16 x 16, batch 8": ("matmul", (8, 4, 16, 16), (8, 4, 16, 16)),
    "Q @ K^T, 4 x 16 x 16 x 16, batch 32": ("matmul", (32, 4, 16, 16), (32, 4, 16, 16)),
    "Q @ K^T, 4 x 32 x 16 x 32, batch 8": ("matmul", (8, 4, 32, 16), (8, 4, 16, 32)),
    "Q @ K^T, 12 x 128 x 64 x 128, batch 1": ("matmul", (1, 12, 128, 64), (1, 12, 64, 128)),
    "Q @ K^T, 12 x 128 x 64 x 128, batch 8": ("matmul", (8, 12, 128, 64), (8, 12, 64, 128)),
}
FORMS = {"transpose": ("float32", "int32 view"), "matmul": ("BatchMatMulV2", "BatchMatMulV3")}


def _session(kind: str, spec: tuple, form: int):
    import tensorflow as tf
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if kind == "transpose":
            shape, perm = spec
            feeds = [tf1.placeholder(tf.float32, [None, *shape[1:]])]
            x = feeds[0] + 1.0                               # the op under test reads a computed tensor
            if form == 0:
                y = tf.transpose(x, perm, name="timed")
            else:
                y = tf.bitcast(tf.transpose(tf.bitcast(x, tf.int32), perm, name="timed"), tf.float32)
        else:
            feeds = [tf1.placeholder(tf.float32, [None, *shape[1:]]) for shape in spec]
            a, b = (f + 1.0 for f in feeds)
            y = (tf.raw_ops.BatchMatMulV2(x=a, y=b, name="timed") if form == 0
                 else tf.raw_ops.BatchMatMulV3(x=a, y=b, Tout=tf.float32, name="timed"))
        out = tf.reduce_sum(y)
    return tf1.Session(graph=graph), feeds, out


def _kernel_us(kind: str, spec: tuple, form: int, runs: int, rng) -> float:
    import tensorflow as tf
    session, feeds, out = _session(kind, spec, form)
    shapes = [spec[0]] if kind == "transpose" else spec
    feed_dict = {f: rng.standard_normal(s).astype(np.float32) for f, s in zip(feeds, shapes)}
    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    times = []
    for index in range(runs + 5):
        metadata = tf.compat.v1.RunMetadata()
        session.run(out, feed_dict, options=options, run_metadata=metadata)
        if index >= 5:
            times.append(sum(s.op_end_rel_micros - s.op_start_rel_micros for d in metadata.step_stats.dev_stats
                             for s in d.node_stats if s.node_name == "timed"))
    session.close()
    return float(np.median(times))


def _picked(kind: str, spec: tuple) -> int:
    """Which form the translation writes for this op (0: the float op, 1: the alternative)."""
    import tensorflow as tf
    from converter.tf_ops._matmul import batched_matmul
    from converter.tf_ops._transpose import transpose
    if kind == "transpose":
        shape, perm = spec
        make = lambda x: transpose(x, list(perm))                                        # noqa: E731
        specs = [tf.TensorSpec([None, *shape[1:]], tf.float32)]
    else:
        make, specs = batched_matmul, [tf.TensorSpec([None, *s[1:]], tf.float32) for s in spec]
    ops = {op.type for op in tf.function(make).get_concrete_function(*specs).graph.get_operations()}
    return int("Bitcast" in ops or "BatchMatMulV3" in ops)


def child(runs: int) -> dict:
    rng = np.random.default_rng(0)
    results = {}
    for name, (kind, *spec) in OPS.items():
        # two rounds, the faster of each: a shared host's hiccups only ever add time
        times = [min(_kernel_us(kind, tuple(spec), form, runs, rng) for _ in range(2)) for form in (0, 1)]
        results[name] = {"us": times, "picked": _picked(kind, tuple(spec))}
    return results


def markdown(results: dict) -> str:
    lines = [f"# oneDNN's small ops against the translation's forms ({results['date']}, {results['machine']['cpu']}, "
             f"{results['machine']['cores']} cores, {results['machine'].get('vector_isa', '?')})", "",
             "| op | forms: float op / alternative | oneDNN: float op us | oneDNN: alternative us | "
             "Eigen: float op us | Eigen: alternative us | translation writes |",
             "|---|---|---|---|---|---|---|"]
    for name, (kind, *_) in OPS.items():
        onednn, eigen = results["families"]["onednn"][name], results["families"]["eigen"][name]
        forms = FORMS[kind]
        lines.append(f"| {name} | {forms[0]} / {forms[1]} | {onednn['us'][0]:.0f} | {onednn['us'][1]:.0f} | "
                     f"{eigen['us'][0]:.0f} | {eigen['us'][1]:.0f} | {forms[onednn['picked']]} |")
    lines += ["", f"Kernel time per call (TF's step stats), median of {results['runs']} traced runs, the faster of "
              "two rounds; each form in a TF1 session of its own; oneDNN: TF_ENABLE_ONEDNN_OPTS=1 (the float "
              "forms run as _MklTranspose / _MklBatchMatMulV2), Eigen: TF_ENABLE_ONEDNN_OPTS=0."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--child", choices=list(FAMILIES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs)))
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    families = run_children("benchmarks.small_ops", FAMILIES, ["--runs", str(args.runs)])
    if families is None:
        return 1
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "machine": machine(),
               "runs": args.runs, "families": families}
    return publish_results(args.out, "small_ops", results, markdown)


if __name__ == "__main__":
    sys.exit(main())
