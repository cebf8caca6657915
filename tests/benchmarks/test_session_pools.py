"""Why the benchmark measures the inter-op variant in a child process: TF sizes its inter-op thread pool
once per process, from the first session opened, so a later session's `inter_op_parallelism_threads=1`
is silently ignored (the benchmark did that until 2026-12-04). Shown on a graph of two independent
chains of matrix products: ops overlap in time on a pool of two threads, never on a pool of one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import CHILD_VARIANTS, SESSION_VARIANTS

ROOT = Path(__file__).resolve().parents[2]

# Prints, for each variant in argv order opened in this one process, the traced op time divided by the
# step's wall span: about 1 when ops run one at a time, up to 2 when the two chains run side by side.
_OVERLAP_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf
from benchmarks.measure import session_config

tf.compat.v1.disable_eager_execution()
overlap = {}
for variant in sys.argv[1:]:
    graph = tf.Graph()
    with graph.as_default():
        # fed, and different per chain, so that grappler can neither fold nor merge the chains
        weights = [tf.compat.v1.placeholder(tf.float32, (768, 768)) for _ in range(2)]
        chains = []
        for w in weights:
            x = w
            for _ in range(12):
                x = tf.tanh(tf.matmul(x, w))
            chains.append(x)
        total = tf.add_n(chains)
    session = tf.compat.v1.Session(graph=graph, config=session_config(variant))
    rng = np.random.default_rng(0)
    feed = {w: rng.standard_normal((768, 768)).astype(np.float32) / 30 for w in weights}
    ratios = []
    for _ in range(3):
        metadata = tf.compat.v1.RunMetadata()
        session.run(total, feed, options=tf.compat.v1.RunOptions(trace_level=3), run_metadata=metadata)
        stats = [s for d in metadata.step_stats.dev_stats for s in d.node_stats if s.node_name != "_SOURCE"]
        span = max(s.all_start_micros + s.all_end_rel_micros for s in stats) - min(s.all_start_micros for s in stats)
        ratios.append(sum(s.op_end_rel_micros - s.op_start_rel_micros for s in stats) / max(span, 1))
    overlap[variant] = max(ratios)
    session.close()
print("OVERLAP " + json.dumps(overlap))
"""


def _overlap(*variants: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", _OVERLAP_SCRIPT, *variants], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("OVERLAP ")]
    assert lines, done.stderr[-2000:]
    return json.loads(lines[-1][len("OVERLAP "):])


def test_inter_op_variant_runs_in_its_own_process():
    assert "inter_op_1" in CHILD_VARIANTS and CHILD_VARIANTS["inter_op_1"][1] == "inter_op_1"
    assert "inter_op_1" not in SESSION_VARIANTS


# TF's default pool has one thread per core this process may run on (what sched_getaffinity reports).
@pytest.mark.slow
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores for TF's default pool to hold 2 threads")
def test_a_later_session_cannot_shrink_the_inter_op_pool_of_the_process():
    first_default = _overlap("default", "inter_op_1")
    assert first_default["default"] > 1.3, first_default            # two chains side by side
    assert first_default["inter_op_1"] > 1.3, first_default         # asked for 1 thread, still got 2
    alone = _overlap("inter_op_1")
    assert alone["inter_op_1"] < 1.1, alone                           # its own process: one op at a time
