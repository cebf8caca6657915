"""oneDNN's fixed cost per call on small transposes, batched matrix products, softmaxes and swishes, against the
forms the translation uses instead (converter/tf_ops/_transpose.py, _matmul.py, _softmax.py, _swish.py, and
converter/onnx_passes/fold_transpose_into_matmul.py for a key transposed into Q @ K^T).

Under oneDNN (TF's default on AVX-512 CPUs, TF_ENABLE_ONEDNN_OPTS=1 elsewhere) TF runs a float32 Transpose as
_MklTranspose, a BatchMatMulV2 as _MklBatchMatMulV2, a Softmax as _MklSoftmax and Mul(Sigmoid(x), x) as _MklSwish;
the translation runs a transpose on the int32 view of the tensor (Bitcast, a view), a small product as
BatchMatMulV3, a small softmax as Exp(LogSoftmax) and a small swish as Sigmoid and MulNoNan, which oneDNN leaves to
TF's Eigen kernels, and folds a key's transpose into the product.
For each op, both forms, each in a TF1 session of its own (as TF Serving runs a model), kernel time per call
(all the form's nodes) from TF's step stats; both kernel families, each in a child process (TF reads the
variable once, at import). The last column is the form the translation picks for that op.

    python -m benchmarks.small_ops [--runs 60]      # idle machine
"""
from __future__ import annotations

import sys

import numpy as np

from benchmarks.report import per_environment_main

FAMILIES = {"eigen": {"TF_ENABLE_ONEDNN_OPTS": "0"}, "onednn": {"TF_ENABLE_ONEDNN_OPTS": "1"}}
# name -> ("transpose", shape, perm), ("matmul", a shape, b shape), ("key_product", q shape, k shape: the
# key as [batch, heads, tokens, d], transposed for Q @ K^T) or ("softmax", shape); the first axis is the batch.
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
    "key into Q @ K^T, 4 x 16 x 16 x 16, batch 1": ("key_product", (1, 4, 16, 16), (1, 4, 16, 16)),
    "key into Q @ K^T, 4 x 16 x 16 x 16, batch 8": ("key_product", (8, 4, 16, 16), (8, 4, 16, 16)),
    "key into Q @ K^T, 3 x 49 x 32 x 49 (Swin window), batch 64": ("key_product", (64, 3, 49, 32), (64, 3, 49, 32)),
    "key into Q @ K^T, 12 x 128 x 64 x 128, batch 1": ("key_product", (1, 12, 128, 64), (1, 12, 128, 64)),
    "softmax, 4 x 16 x 16, batch 1": ("softmax", (1, 4, 16, 16)),
    "softmax, 4 x 16 x 16, batch 8": ("softmax", (8, 4, 16, 16)),
    "softmax, 4 x 16 x 16, batch 32": ("softmax", (32, 4, 16, 16)),
    "softmax, 4 x 32 x 32, batch 1": ("softmax", (1, 4, 32, 32)),
    "softmax, 4 x 32 x 32, batch 8": ("softmax", (8, 4, 32, 32)),
    "softmax, 4 x 64 x 64, batch 1": ("softmax", (1, 4, 64, 64)),
    "softmax, 4 x 64 x 64, batch 8": ("softmax", (8, 4, 64, 64)),
    "softmax, 12 x 128 x 128, batch 1": ("softmax", (1, 12, 128, 128)),
    "SiLU, squeeze-excitation 1 x 1 x 32, batch 1": ("swish", (1, 1, 1, 32)),
    "SiLU, squeeze-excitation 1 x 1 x 32, batch 8": ("swish", (8, 1, 1, 32)),
    "SiLU, MLP 16 tokens x 128, batch 1": ("swish", (1, 16, 128)),
    "SiLU, MLP 16 tokens x 128, batch 8": ("swish", (8, 16, 128)),
    "SiLU, MLP 16 tokens x 128, batch 32": ("swish", (32, 16, 128)),
    "SiLU, 16 x 16 x 128, batch 1": ("swish", (1, 16, 16, 128)),
    "SiLU, 16 x 16 x 128, batch 8": ("swish", (8, 16, 16, 128)),
    "SiLU, 112 x 112 x 32, batch 1": ("swish", (1, 112, 112, 32)),
}
FORMS = {"transpose": ("float32", "int32 view"), "matmul": ("BatchMatMulV2", "BatchMatMulV3"),
         "key_product": ("transpose + product", "product's adjoint flag"), "softmax": ("Softmax", "Exp(LogSoftmax)"),
         "swish": ("Mul(Sigmoid(x), x)", "Sigmoid, MulNoNan")}


def _build(kind: str, form: int, *tensors):
    """The op under test in `form`: 0 the plain float op, 1 the alternative (see FORMS)."""
    import tensorflow as tf
    from converter.tf_ops._matmul import batched_matmul
    from converter.tf_ops._softmax import small_softmax
    if kind == "swish":
        (x,) = tensors
        return tf.math.sigmoid(x) * x if form == 0 else tf.math.multiply_no_nan(tf.math.sigmoid(x), x)
    if kind == "transpose":
        (x,), perm = tensors[:1], tensors[1]
        if form == 0:
            return tf.transpose(x, perm)
        return tf.bitcast(tf.transpose(tf.bitcast(x, tf.int32), perm), tf.float32)
    if kind == "matmul":
        a, b = tensors
        return tf.raw_ops.BatchMatMulV2(x=a, y=b) if form == 0 else tf.raw_ops.BatchMatMulV3(x=a, y=b, Tout=tf.float32)
    if kind == "key_product":
        q, k = tensors
        return batched_matmul(q, tf.transpose(k, [0, 1, 3, 2])) if form == 0 else batched_matmul(q, k, transpose_b=True)
    (x,) = tensors
    return tf.nn.softmax(x) if form == 0 else small_softmax(x)


def _shapes(kind: str, spec: tuple) -> list[tuple]:
    return [spec[0]] if kind in ("transpose", "softmax", "swish") else list(spec)


def _session(kind: str, spec: tuple, form: int):
    import tensorflow as tf
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        feeds = [tf1.placeholder(tf.float32, [None, *shape[1:]]) for shape in _shapes(kind, spec)]
        tensors = [f + 1.0 for f in feeds]                  # the op under test reads computed tensors
        with tf.name_scope("timed"):
            y = _build(kind, form, *tensors, *([spec[1]] if kind == "transpose" else []))
        out = tf.reduce_sum(y)
    return tf1.Session(graph=graph), feeds, out


def _kernel_us(kind: str, spec: tuple, form: int, runs: int, rng) -> float:
    import tensorflow as tf
    session, feeds, out = _session(kind, spec, form)
    feed_dict = {f: rng.standard_normal(s).astype(np.float32) for f, s in zip(feeds, _shapes(kind, spec))}
    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    times = []
    for index in range(runs + 5):
        metadata = tf.compat.v1.RunMetadata()
        session.run(out, feed_dict, options=options, run_metadata=metadata)
        if index >= 5:
            times.append(sum(s.op_end_rel_micros - s.op_start_rel_micros for d in metadata.step_stats.dev_stats
                             for s in d.node_stats if s.node_name.startswith("timed/")))
    session.close()
    return float(np.median(times))


def _picked(kind: str, spec: tuple) -> int:
    """Which form the translation writes for this op (0: the float op, 1: the alternative)."""
    import tensorflow as tf
    from converter.tf_ops._matmul import batched_matmul
    from converter.tf_ops._softmax import softmax_last
    from converter.tf_ops._swish import swish
    from converter.tf_ops._transpose import transpose
    specs = [tf.TensorSpec([None, *s[1:]], tf.float32) for s in _shapes(kind, spec)]
    if kind == "key_product":
        return int(_pass_folds(*spec))
    make = {"transpose": lambda x: transpose(x, list(spec[1])), "matmul": batched_matmul,
            "softmax": softmax_last, "swish": swish}[kind]
    ops = {op.type for op in tf.function(make).get_concrete_function(*specs).graph.get_operations()}
    return int(bool(ops & {"Bitcast", "BatchMatMulV3", "LogSoftmax", "MulNoNan"}))


def _pass_folds(q_shape: tuple, k_shape: tuple) -> bool:
    """FoldTransposeIntoMatMulPass takes Transpose(k, [0, 1, 3, 2]) -> MatMul(q, .) of these shapes."""
    import onnx
    import onnx_ir as ir
    from onnx import TensorProto, helper
    from converter.onnx_passes.fold_transpose_into_matmul import FoldTransposeIntoMatMulPass
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", *s[1:]]) for n, s in (("q", q_shape),
                                                                                              ("k", k_shape))]
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]), helper.make_node("MatMul", ["q", "kt"], ["y"])]
    graph = helper.make_graph(nodes, "key", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]))
    return FoldTransposeIntoMatMulPass()(ir.serde.deserialize_model(model)).modified


def child(family: str, runs: int) -> dict:
    """Every op in both forms, in this process's kernel family (`family`, set by the parent's environment)."""
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
              "two rounds, all the form's nodes; each form in a TF1 session of its own; oneDNN: "
              "TF_ENABLE_ONEDNN_OPTS=1 (the float forms run as _MklTranspose / _MklBatchMatMulV2 / _MklSoftmax / "
              "_MklSwish), "
              "Eigen: TF_ENABLE_ONEDNN_OPTS=0."]
    return "\n".join(lines) + "\n"


def main() -> int:
    return per_environment_main("benchmarks.small_ops", __doc__.split("\n\n")[0], FAMILIES, child, markdown, "small_ops",
                                "families", default_runs=60)


if __name__ == "__main__":
    sys.exit(main())
