"""Our converted BERT beside the same BERT written by hand in TensorFlow: what TF executes per request that is
not the model (issue 18, item 4). `python -m benchmarks.handwritten_bert` (idle machine).

The model is the zoo's `bert`: transformers' BertForSequenceClassification with the zoo's small config (hidden
64, 2 layers, 4 heads, sequence 16), random weights (seed 0). It is exported once with torch.onnx, as the zoo does;
that ONNX is converted by our command line and run by ONNX Runtime. The hand-written version is a tf.Module
with the same weights as tf.Variables, written as a TF engineer would (Keras' Dense and LayerNormalization
ops: reshape + MatMul + BiasAdd, tf.nn.moments, tf.nn.gelu), saved with tf.saved_model.save. Both SavedModels
run in a TF1 session on the `serve` tag, as TF Serving runs them, taking turns with ONNX Runtime; parity of
each against PyTorch is checked first. Per request it records the nodes TF executes (step stats) by op type.
Writes benchmarks/results/handwritten_bert.json and .md."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEQUENCE, BATCHES = 16, (1, 8)


def torch_bert():
    """The zoo's bert module, built as the zoo builds it (seed 0); its .net.net is the transformers model."""
    from benchmarks.zoo.catalogue import BY_NAME
    from benchmarks.zoo.checkpoints import build_calibrated

    return build_calibrated(BY_NAME["bert"])


def feeds(batch: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(batch)
    return {"input_ids": rng.integers(0, 1000, (batch, SEQUENCE)).astype(np.int64),
            "attention_mask": np.ones((batch, SEQUENCE), np.int64)}


def export_onnx(model, path: Path) -> None:
    import torch

    example = tuple(torch.from_numpy(v) for v in feeds(2).values())     # as the zoo writes its .onnx checkpoints
    axes = {name: {0: "batch"} for name in [*feeds(2), "logits"]}
    torch.onnx.export(model, example, str(path), input_names=list(feeds(2)), output_names=["logits"],
                      dynamic_axes=axes, opset_version=18)


def convert(onnx_path: Path, serving_root: Path) -> Path:
    command = [sys.executable, "-m", "benchmarks.convert_child", "--checkpoint", str(onnx_path), "--name", "bert",
               "--serving-root", str(serving_root), "--json", "--output", "logits",
               "--input", f"input_ids:int64:2x{SEQUENCE}", "--input", f"attention_mask:int64:2x{SEQUENCE}",
               "--input-range", "input_ids:0:1000", "--input-range", "attention_mask:1:2"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"conversion failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return serving_root / "bert" / "1"


def handwritten_saved_model(model, target: Path) -> Path:
    """BERT's forward in plain TF ops, weights from the PyTorch model."""
    import tensorflow as tf

    bert, head = model.net.net.bert, model.net.net.classifier
    config = bert.config
    heads, width = config.num_attention_heads, config.hidden_size // config.num_attention_heads

    def variable(tensor, transpose=False):
        array = tensor.detach().numpy()
        return tf.Variable(array.T if transpose else array, trainable=False)

    def dense_weights(layer):
        return variable(layer.weight, transpose=True), variable(layer.bias)

    def norm_weights(layer):
        return variable(layer.weight), variable(layer.bias), layer.eps

    class HandwrittenBert(tf.Module):
        def __init__(self):
            super().__init__()
            embeddings = bert.embeddings
            self.word, self.position = variable(embeddings.word_embeddings.weight), variable(embeddings.position_embeddings.weight)
            self.token_type = variable(embeddings.token_type_embeddings.weight[0])
            self.embedding_norm = norm_weights(embeddings.LayerNorm)
            self.layers = [dict(q=dense_weights(layer.attention.self.query), k=dense_weights(layer.attention.self.key),
                                v=dense_weights(layer.attention.self.value), o=dense_weights(layer.attention.output.dense),
                                norm1=norm_weights(layer.attention.output.LayerNorm),
                                up=dense_weights(layer.intermediate.dense), down=dense_weights(layer.output.dense),
                                norm2=norm_weights(layer.output.LayerNorm)) for layer in bert.encoder.layer]
            self.pooler, self.classifier = dense_weights(bert.pooler.dense), dense_weights(head)

        @tf.function(input_signature=[tf.TensorSpec([None, SEQUENCE], tf.int64, name="input_ids"),
                                      tf.TensorSpec([None, SEQUENCE], tf.int64, name="attention_mask")])
        def serve(self, input_ids, attention_mask):
            x = tf.gather(self.word, input_ids) + self.position[:SEQUENCE] + self.token_type
            x = layer_norm(x, *self.embedding_norm)
            bias = (1.0 - tf.cast(attention_mask[:, None, None, :], tf.float32)) * np.finfo(np.float32).min
            for w in self.layers:
                def split(t):
                    return tf.transpose(tf.reshape(t, [-1, SEQUENCE, heads, width]), [0, 2, 1, 3])
                q, k, v = (split(dense(x, *w[name])) for name in "qkv")
                scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(width).astype(np.float32) + bias
                context = tf.reshape(tf.transpose(tf.matmul(tf.nn.softmax(scores), v), [0, 2, 1, 3]),
                                     [-1, SEQUENCE, heads * width])
                x = layer_norm(dense(context, *w["o"]) + x, *w["norm1"])
                x = layer_norm(dense(tf.nn.gelu(dense(x, *w["up"])), *w["down"]) + x, *w["norm2"])
            pooled = tf.tanh(tf.nn.bias_add(tf.matmul(x[:, 0], self.pooler[0]), self.pooler[1]))
            return {"logits": tf.nn.bias_add(tf.matmul(pooled, self.classifier[0]), self.classifier[1])}

    def dense(x, kernel, bias):        # Keras Dense on a 3-D input: reshape, MatMul, BiasAdd, reshape
        rows = tf.nn.bias_add(tf.matmul(tf.reshape(x, [-1, kernel.shape[0]]), kernel), bias)
        return tf.reshape(rows, [-1, SEQUENCE, kernel.shape[1]])

    def layer_norm(x, gamma, beta, eps):   # Keras LayerNormalization's unfused path
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        return tf.nn.batch_normalization(x, mean, variance, beta, gamma, eps)

    module = HandwrittenBert()
    tf.saved_model.save(module, str(target), signatures={"serving_default": module.serve})
    return target


def executed_nodes(runner, feed: dict, runs: int = 5) -> dict:
    from benchmarks.zoo.breakdown import tf_profile

    profile = tf_profile(runner, feed, runs)
    return {"nodes": profile["nodes"], "plumbing_nodes": profile["plumbing_nodes"],
            "by_op": {op: entry["nodes"] for op, entry in sorted(profile["ops"].items(), key=lambda kv: -kv[1]["nodes"])}}


def measure() -> dict:
    import torch

    from benchmarks.measure import SessionRunner, onnxruntime_runner, time_alternating

    model = torch_bert()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        export_onnx(model, scratch / "bert.onnx")
        ours_dir = convert(scratch / "bert.onnx", scratch / "serving")
        hand_dir = handwritten_saved_model(model, scratch / "handwritten")
        ours, hand = SessionRunner(str(ours_dir)), SessionRunner(str(hand_dir))
        ort = onnxruntime_runner(str(scratch / "bert.onnx"))
        rows = {}
        for batch in BATCHES:
            feed = feeds(batch)
            with torch.inference_mode():
                expected = model(*[torch.from_numpy(v) for v in feed.values()]).numpy()
            parity = {name: float(np.max(np.abs(runner.run(feed)[0] - expected)))
                      for name, runner in (("ours", ours), ("handwritten", hand))}
            timings = time_alternating({"ours": lambda f=feed: ours.run(f), "handwritten": lambda f=feed: hand.run(f),
                                        "onnxruntime": lambda f=feed: ort(f)}, 5, 60)
            rows[str(batch)] = {"ms": {k: round(v.median_ms, 3) for k, v in timings.items()},
                                "ours_vs_handwritten": round(timings["ours"].median_ms / timings["handwritten"].median_ms, 3),
                                "handwritten_vs_onnxruntime": round(timings["handwritten"].median_ms
                                                                    / timings["onnxruntime"].median_ms, 3),
                                "max_abs_vs_torch": parity}
        feed = feeds(1)
        nodes = {"ours": executed_nodes(ours, feed), "handwritten": executed_nodes(hand, feed)}
    from benchmarks.zoo.report import machine

    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
            "tf_env": {k: os.environ.get(k, "unset") for k in ("TF_ENABLE_ONEDNN_OPTS", "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS")},
            "batches": rows, "executed_nodes_batch_1": nodes}


def markdown(results: dict) -> str:
    lines = [f"# Converted vs hand-written TF BERT ({results['date']}, {results['machine']['cpu']}, "
             f"{results['machine']['cores']} cores, {results['machine']['vector_isa']})", "",
             "| batch | ours ms | hand-written TF ms | ONNX Runtime ms | ours / hand-written | hand-written / ORT |",
             "|---|---|---|---|---|---|"]
    for batch, row in results["batches"].items():
        ms = row["ms"]
        lines.append(f"| {batch} | {ms['ours']} | {ms['handwritten']} | {ms['onnxruntime']} | "
                     f"{row['ours_vs_handwritten']:.2f}x | {row['handwritten_vs_onnxruntime']:.2f}x |")
    ours, hand = results["executed_nodes_batch_1"]["ours"], results["executed_nodes_batch_1"]["handwritten"]
    lines += ["", f"Nodes TF executes per request: ours {ours['nodes']:.0f} ({ours['plumbing_nodes']:.0f} of them "
              f"plumbing: Const, variable handles, function boundary), hand-written {hand['nodes']:.0f} "
              f"({hand['plumbing_nodes']:.0f}).", "", "| op type | ours | hand-written |", "|---|---|---|"]
    for op in sorted(set(ours["by_op"]) | set(hand["by_op"]),
                     key=lambda o: (-ours["by_op"].get(o, 0), -hand["by_op"].get(o, 0), o)):
        a, b = ours["by_op"].get(op, 0), hand["by_op"].get(op, 0)
        if a != b:
            lines.append(f"| {op} | {a:.0f} | {b:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from benchmarks.report import write_result_files

    results = measure()
    write_result_files(ROOT / "benchmarks" / "results", ["handwritten_bert"], results, markdown(results), indent=2)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
