"""TF's own kernels against ONNX Runtime's on the same single ops: how much of the zoo's gap is TF's.

One MatMul, one 3x3 convolution, one 1x1 convolution, one depthwise 3x3 convolution and three batched
matrix products of attention (scores Q K^T of two activations, one small matrix product per image and head),
each run alone in a
TF1 session (as TF Serving runs a model) and in ONNX Runtime, with GFLOP/s side by side. TF twice: its default
kernels on CPUs without AVX-512 (Eigen's; TF's pip wheel compiles its generic code for AVX and says so at
start-up, "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow") and
oneDNN's (TF_ENABLE_ONEDNN_OPTS=1, which picks AVX2/FMA code at run time, as ONNX Runtime's MLAS does). Each in
a child process of its own, since TF reads the variable once at import. What a kernel loses here, every model
made of it loses, whatever the translation does.

    python -m benchmarks.kernel_throughput [--runs 30]
"""
from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks.report import per_environment_main


# name -> (kind, shape): matmul (M, K, N); batch_matmul (batch, M, K, N), both operands fed;
# conv (batch, height, width, in channels, out channels, kernel, groups)
OPS = {
    "MatMul 512x768 @ 768x3072 (BERT-base MLP, 512 tokens)": ("matmul", (512, 768, 3072)),
    "Conv 3x3, 64->64 ch, 8x56x56 (ResNet stage 1)": ("conv", (8, 56, 56, 64, 64, 3, 1)),
    "Conv 1x1, 96->576 ch, 8x14x14 (MobileNetV2 expand)": ("conv", (8, 14, 14, 96, 576, 1, 1)),
    "Depthwise 3x3, 576 ch, 8x14x14 (MobileNetV2)": ("conv", (8, 14, 14, 576, 576, 3, 576)),
    "BatchMatMul 96 x 197x64 @ 64x197 (ViT-B/16 attention scores, batch 8)": ("batch_matmul", (96, 197, 64, 197)),
    "BatchMatMul 192 x 49x32 @ 32x49 (Swin-T stage-1 window scores, batch 1)": ("batch_matmul", (192, 49, 32, 49)),
    "BatchMatMul 128 x 256x16 @ 16x256 (MobileViT-XXS scores, batch 8)": ("batch_matmul", (128, 256, 16, 256)),
}
RUNTIMES = {"tf_eigen": {"TF_ENABLE_ONEDNN_OPTS": "0"}, "tf_onednn": {"TF_ENABLE_ONEDNN_OPTS": "1"},
            "onnxruntime": {}}


def gflop(kind: str, shape: tuple) -> float:
    if kind == "matmul":
        m, k, n = shape
        return 2 * m * k * n / 1e9
    if kind == "batch_matmul":
        batch, m, k, n = shape
        return 2 * batch * m * k * n / 1e9
    batch, height, width, cin, cout, kernel, groups = shape
    return 2 * batch * height * width * cout * (cin // groups) * kernel * kernel / 1e9


def _arrays(kind: str, shape: tuple, rng) -> tuple[np.ndarray, np.ndarray]:
    if kind == "matmul":
        m, k, n = shape
        return rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
    if kind == "batch_matmul":
        batch, m, k, n = shape
        return rng.standard_normal((batch, m, k), np.float32), rng.standard_normal((batch, k, n), np.float32)
    batch, height, width, cin, cout, kernel, groups = shape
    return (rng.standard_normal((batch, cin, height, width), np.float32),
            rng.standard_normal((cout, cin // groups, kernel, kernel), np.float32))


def _tf_runner(kind: str, shape: tuple, x: np.ndarray, w: np.ndarray):
    import tensorflow as tf
    graph = tf.Graph()
    with graph.as_default():
        if kind == "matmul":
            feed = tf.compat.v1.placeholder(tf.float32, x.shape)
            out, feeds = tf.matmul(feed, tf.constant(w)), {feed: x}
        elif kind == "batch_matmul":              # both operands are activations
            feed, other = tf.compat.v1.placeholder(tf.float32, x.shape), tf.compat.v1.placeholder(tf.float32, w.shape)
            out, feeds = tf.matmul(feed, other), {feed: x, other: w}
        else:
            x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
            feed = tf.compat.v1.placeholder(tf.float32, x.shape)
            feeds = {feed: x}
            groups = shape[-1]
            if groups == 1:
                out = tf.nn.conv2d(feed, tf.constant(w.transpose(2, 3, 1, 0)), 1, "SAME")
            else:                                    # depthwise: [k, k, C, 1]
                out = tf.nn.depthwise_conv2d(feed, tf.constant(w.transpose(2, 3, 0, 1)), [1, 1, 1, 1], "SAME")
    session = tf.compat.v1.Session(graph=graph)
    return lambda: session.run(out, feeds)


def _ort_runner(kind: str, shape: tuple, x: np.ndarray, w: np.ndarray):
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    if kind in ("matmul", "batch_matmul"):
        node = helper.make_node("MatMul", ["x", "w"], ["y"])
    else:
        kernel, groups = shape[5], shape[6]
        node = helper.make_node("Conv", ["x", "w"], ["y"], group=groups, pads=[kernel // 2] * 4)
    feeds = {"x": x, "w": w} if kind == "batch_matmul" else {"x": x}     # else w is a weight (an initializer)
    initializers = [] if "w" in feeds else [numpy_helper.from_array(w, "w")]
    graph = helper.make_graph([node], "op", [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
                                             for n, a in feeds.items()],
                              [helper.make_empty_tensor_value_info("y")], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return lambda: session.run(None, feeds)


def child(runtime: str, runs: int) -> dict:
    rng = np.random.default_rng(0)
    results = {}
    for name, (kind, shape) in OPS.items():
        x, w = _arrays(kind, shape, rng)
        run = (_ort_runner if runtime == "onnxruntime" else _tf_runner)(kind, shape, x, w)
        for _ in range(3):
            run()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        median = float(np.median(times))
        results[name] = {"ms": round(median * 1e3, 3), "gflops": round(gflop(kind, shape) / median, 1)}
    return results


def markdown(results: dict) -> str:
    lines = [f"# Single-kernel throughput ({results['date']}, {results['machine']['cpu']}, "
             f"{results['machine']['cores']} cores, {results['machine'].get('vector_isa', '?')})", "",
             "| op | TF Eigen GFLOP/s | TF oneDNN GFLOP/s | ONNX Runtime GFLOP/s | Eigen / ORT time | oneDNN / ORT time |",
             "|---|---|---|---|---|---|"]
    for name in OPS:
        eigen, onednn, ort = (results["runtimes"][r][name] for r in RUNTIMES)
        lines.append(f"| {name} | {eigen['gflops']} | {onednn['gflops']} | {ort['gflops']} | "
                     f"{eigen['ms'] / ort['ms']:.2f}x | {onednn['ms'] / ort['ms']:.2f}x |")
    lines += ["", f"Median of {results['runs']} runs per op, each runtime in its own process, all cores; TF in a "
              "TF1 session with NHWC data, ONNX Runtime with NCHW (each runtime's own layout)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    return per_environment_main("benchmarks.kernel_throughput", __doc__.split("\n\n")[0], RUNTIMES, child, markdown,
                                "kernel_throughput", "runtimes", default_runs=30)


if __name__ == "__main__":
    sys.exit(main())
