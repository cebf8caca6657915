"""Transposes that stay on TF's plain kernel where oneDNN's costs more than the data movement.

TF takes oneDNN's kernels by default on AVX-512 CPUs (and wherever TF_ENABLE_ONEDNN_OPTS=1), and there a
float32 Transpose becomes `_MklTranspose`, which costs about 100 us per call whatever the size: on the
attention-sized tensors of transformers (a few thousand to a million elements) that is 5-10x TF's own Eigen
kernel (docs/performance.md, "Sixth round"). oneDNN rewrites only float transposes, so those that keep the
innermost axis in place (attention's heads split and merged), when that axis holds MIN_ROW elements or more,
run on the tensor's bits viewed as int32 (TF's Bitcast is a view, no copy; Eigen's shuffle moves 32-bit
words whatever they hold): Eigen's kernel measured 0.03-0.9x oneDNN's time from 1 K to 3 M elements
(benchmarks/small_ops.py). MobileViT's unfold transposes rows of 2 of tensors whose first axis is 1024 x the
batch: those stay float32.

Transposes that move the innermost axis stay float32: oneDNN's reorder is the faster kernel for them from
about 16 K elements on (an image's NCHW -> NHWC: 1.1-4.6x), and a small one (a key transposed for Q @ K^T)
on the int32 view, though faster alone, kept grappler from removing DeBERTa's transposes of its tiled
position embeddings (twice 80 us per request with Eigen's kernels). A key transposed for Q @ K^T no longer
reaches the translation: FoldTransposeIntoMatMulPass makes its swap the product's flag.

Under TF's Eigen kernels (oneDNN off) both forms run the same kernel, plus two Bitcast nodes (about 1 us each).
"""
from __future__ import annotations

import tensorflow as tf

MIN_ROW = 8


def transpose(x, perm):
    """tf.transpose(x, perm), on x's int32 bit pattern when oneDNN would run it slower (see module doc)."""
    if perm is None or x.dtype != tf.float32 or not _keeps_long_innermost_axis(x, perm):
        return tf.transpose(x, perm=perm)
    moved = tf.transpose(tf.bitcast(x, tf.int32), perm=perm)
    return tf.bitcast(moved, tf.float32)


def _keeps_long_innermost_axis(x, perm) -> bool:
    perm = [int(axis) for axis in perm]
    rank = len(perm)
    if x.shape.rank != rank or rank < 3 or perm[-1] != rank - 1 or perm == list(range(rank)):
        return False
    return x.shape[-1] is not None and x.shape[-1] >= MIN_ROW
