"""Timing of one model in three runtimes: our SavedModel loaded the TF Serving way (a TF1 session on the
`serve` tag, fed through the signature's tensor names), ONNX Runtime on the exported ONNX, and PyTorch
eager. Latency is the median of `runs` timed calls after `warmup` untimed ones."""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from benchmarks.models import BenchModel


@dataclass
class Timing:
    median_ms: float
    p90_ms: float
    runs: int

    def as_dict(self) -> dict:
        return {"median_ms": round(self.median_ms, 3), "p90_ms": round(self.p90_ms, 3), "runs": self.runs}


def time_calls(call, warmup: int, runs: int) -> Timing:
    return _timing(_samples(call, warmup, runs))


def time_alternating(calls: dict, warmup: int, runs: int, rounds: int = 3) -> dict[str, Timing]:
    """Each runtime timed in `rounds` blocks, the runtimes taking turns block by block, so a change in
    the host's speed during the measurement falls on all of them alike. Blocks, not single calls:
    ONNX Runtime's worker threads keep spinning for a while after a call and would slow the next
    runtime's call; a block starts with untimed calls (`warmup` of them the first time, then at least one
    and for at least 50 ms), which absorb that."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    per_round = [runs // rounds + (1 if i < runs % rounds else 0) for i in range(rounds)]
    for index, count in enumerate(per_round):
        for name, call in calls.items():
            samples[name] += _samples(call, warmup if index == 0 else min(warmup, 1), count,
                                      settle_ms=0 if index == 0 else 50)
    return {name: _timing(values) for name, values in samples.items()}


def _samples(call, warmup: int, runs: int, settle_ms: float = 0) -> list[float]:
    start = time.perf_counter()
    for _ in range(warmup):
        call()
    while (time.perf_counter() - start) * 1000 < settle_ms:
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _timing(samples: list[float]) -> Timing:
    samples = sorted(samples)
    return Timing(statistics.median(samples), samples[int(0.9 * (len(samples) - 1))], len(samples))


def machine_probe_ms(repeats: int = 15) -> float:
    """Median time of a fixed CPU workload (float32 matmuls plus a 64 MB copy): taken before every model
    and at the end, its spread shows whether the host's speed changed during the run (another load on
    the machine), which would skew the ratios even though each is measured side by side."""
    rng = np.random.default_rng(0)
    a, b = rng.random((1024, 1024), dtype=np.float32), rng.random((1024, 1024), dtype=np.float32)
    big = np.ones(16 * 1024 * 1024, np.float32)
    target = np.empty_like(big)

    def work():
        a @ b
        np.copyto(target, big)
    return time_calls(work, 3, repeats).median_ms


def make_feeds(model: BenchModel, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    feeds = {}
    for text in model.inputs:
        name, dtype, shape = text.split(":")
        dims = [batch, *[int(d) for d in shape.split("x")[1:]]]
        if dtype.startswith("float"):
            feeds[name] = rng.standard_normal(dims).astype(dtype)
        else:
            low, high = model.input_ranges.get(name, (0, 2))
            feeds[name] = rng.integers(low, high, size=dims).astype(dtype)
    return feeds


def session_config(variant: str):
    """TF1 session options for the serving variants we compare (TF Serving exposes the same knobs)."""
    import tensorflow as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    config = tf.compat.v1.ConfigProto()
    if variant == "inter_op_1":        # tensorflow_model_server --tensorflow_inter_op_parallelism=1
        config.inter_op_parallelism_threads = 1
    elif variant == "caller_thread":   # a negative count: every op in the thread that called Run, no hand-off to
        config.inter_op_parallelism_threads = -1     # the inter-op pool (TF_NUM_INTEROP_THREADS=-1 does the same)
    elif variant == "grappler_aggressive":
        rewrite = config.graph_options.rewrite_options
        rewrite.constant_folding = rewriter_config_pb2.RewriterConfig.AGGRESSIVE
        rewrite.arithmetic_optimization = rewriter_config_pb2.RewriterConfig.AGGRESSIVE
        rewrite.remapping = rewriter_config_pb2.RewriterConfig.AGGRESSIVE
        rewrite.min_graph_nodes = -1
    elif variant == "xla_auto_jit":    # needs TF_XLA_FLAGS=--tf_xla_cpu_global_jit in the environment
        config.graph_options.optimizer_options.global_jit_level = tf.compat.v1.OptimizerOptions.ON_1
    elif variant != "default":
        raise ValueError(f"unknown session variant {variant!r}")
    return config


def _output_order(saved_model_dir: str, outputs) -> list[str]:
    """Output keys in the model's return order (the conversion report keeps it; the signature is a map)."""
    import json
    from pathlib import Path

    report = Path(saved_model_dir) / "assets.extra" / "conversion_report.json"
    if report.is_file():
        keys = [t["key"] for t in json.loads(report.read_text())["signature"]["outputs"]]
        if sorted(keys) == sorted(outputs):
            return keys
    return sorted(outputs)


class SessionRunner:
    """A SavedModel in a TF1 session, as tensorflow_model_server loads it."""

    def __init__(self, saved_model_dir: str, signature: str = "serving_default", variant: str = "default"):
        import tensorflow as tf

        self.graph = tf.Graph()
        self.session = tf.compat.v1.Session(graph=self.graph, config=session_config(variant))
        meta = tf.compat.v1.saved_model.loader.load(self.session, ["serve"], saved_model_dir)
        sig = meta.signature_def[signature]
        self.inputs = {key: info.name for key, info in sig.inputs.items()}
        self.outputs = [sig.outputs[key].name for key in _output_order(saved_model_dir, sig.outputs)]
        self.meta_graph = meta

    def run(self, feeds: dict[str, np.ndarray], nhwc_inputs=()):
        feed_dict = {self.inputs[name]: (np.moveaxis(value, 1, -1) if name in nhwc_inputs else value)
                     for name, value in feeds.items()}
        return self.session.run(self.outputs, feed_dict)

    def traced_ops(self, feeds: dict[str, np.ndarray], runs: int = 1) -> tuple[Counter, Counter]:
        """Microseconds and executed nodes per op type (as served: _FusedConv2D, _Mkl*...) summed over `runs`
        fully traced runs, from TF's step stats."""
        import tensorflow as tf

        options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
        feed_dict = {self.inputs[name]: value for name, value in feeds.items()}
        micros: Counter = Counter()
        nodes: Counter = Counter()
        for _ in range(runs):
            metadata = tf.compat.v1.RunMetadata()
            self.session.run(self.outputs, feed_dict, options=options, run_metadata=metadata)
            for device in metadata.step_stats.dev_stats:
                for stats in device.node_stats:
                    op = stats.timeline_label.split("(")[0].split("=")[-1].strip() or stats.node_name
                    micros[op] += stats.op_end_rel_micros - stats.op_start_rel_micros
                    nodes[op] += 1
        return micros, nodes

    def op_profile(self, feeds: dict[str, np.ndarray], top: int = 8) -> list[tuple[str, float]]:
        """Share of traced op time per op type over one run: where the time goes."""
        per_op, _ = self.traced_ops(feeds)
        total = sum(per_op.values()) or 1
        return [(op, round(100.0 * micros / total, 1)) for op, micros in per_op.most_common(top)]

    def count_ops(self, op_type: str) -> int:
        """Nodes of `op_type` in the loaded graph, functions included (e.g. Transposes run per request)."""
        graph_def = self.meta_graph.graph_def
        nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
        return sum(1 for n in nodes if n.op == op_type)

    def close(self):
        self.session.close()


def onnxruntime_runner(onnx_path: str):
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return lambda feeds: session.run(None, {n: feeds[n] for n in names})


def torch_runner(module):
    import torch

    def run(feeds):
        with torch.inference_mode():
            return module(*[torch.from_numpy(v) for v in feeds.values()])
    return run
