"""--batching auto: batching_parameters.txt chosen from the published model's measured latency curve.

The staged version is loaded by TF's C API (as TF Serving loads it) in a fresh process and the tensor
signature runs at a ladder of batch sizes (1, 2, 4, ... while a batch stays within the latency budget),
each size `repeats` times after one discarded run; the median is the latency. From the curve:
- max_batch_size: the smallest size whose throughput (samples/s) is within `flat_fraction` of the best
  measured: beyond it the curve is flat, bigger batches only add latency. With --latency-budget-ms, no
  size whose latency plus the batch timeout exceeds the budget.
- allowed_batch_sizes: the measured sizes up to max_batch_size; TF Serving pads a batch up to the next
  allowed size, so with doubling sizes at most half a batch is padding (padding costs what the curve says).
- batch_timeout_micros: waiting for more requests is worth at most one batch-of-1 run (waiting longer than
  running the lone request would take never pays), and the budget minus the largest batch's latency.
- num_batch_threads: each batch already runs on the intra-op thread pool across the cores (the curve is
  measured that way); more batch threads than cores / intra-op threads only queue on the same cores.
Timings depend on the machine and its load: the numbers go into the conversion report with the conditions.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from converter.errors import ConverterError

log = logging.getLogger(__name__)
PLOT_RELATIVE_PATH = Path("assets.extra") / "batching_curve.png"


@dataclass
class BatchingChoice:
    curve: dict[int, float]                  # batch size -> median latency (s)
    params: dict = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    conditions: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["curve"] = [{"batch": b, "latency_ms": round(s * 1e3, 3), "samples_per_s": round(b / s, 1)}
                         for b, s in sorted(self.curve.items())]
        return data


def measure_curve(version_dir: Path, signature: str, feeds: dict[str, np.ndarray], ladder: tuple[int, ...],
                  repeats: int = 3, budget_ms: float | None = None, threads: int = 2) -> dict[int, float]:
    """Median latency per batch size through the C API loader; the ladder stops after the first size over the
    budget (or over 2 s without one)."""
    from converter.serving.load_check import run_load_check
    from converter.serving.prepare import resize_batch

    limit = (budget_ms / 1e3) if budget_ms else 2.0
    curve: dict[int, float] = {}
    for start in range(0, len(ladder), 2):          # two sizes per child: stop early without loading per size
        sizes = ladder[start:start + 2]
        feed_sets = [resize_batch(feeds, b) for b in sizes]
        runs = [{"feed_set": i, "signatures": [signature], "label": f"b{b} r{r}"}
                for i, b in enumerate(sizes) for r in range(repeats + 1)]
        report = run_load_check(version_dir, feed_sets, runs, [None] * len(runs))   # expected per run
        for b in sizes:
            times = [report.signatures[f"{signature}[b{b} r{r}]"].seconds for r in range(1, repeats + 1)]
            if any(t is None for t in times):
                raise ConverterError(f"--batching auto: signature {signature} failed at batch {b}: "
                                     f"{report.problems[:1]}")
            curve[b] = float(np.median(times))
        if max(curve[b] for b in sizes) > limit:
            break
    return curve


def choose_parameters(curve: dict[int, float], budget_ms: float | None = None, cores: int | None = None,
                      intra_op_threads: int = 2, flat_fraction: float = 0.05) -> BatchingChoice:
    sizes = sorted(curve)
    throughput = {b: b / curve[b] for b in sizes}
    budget = budget_ms / 1e3 if budget_ms else None
    feasible = [b for b in sizes if budget is None or curve[b] <= budget] or sizes[:1]
    best = max(throughput[b] for b in feasible)
    max_batch = next(b for b in feasible if throughput[b] >= (1 - flat_fraction) * best)
    under = f" under the latency budget {budget_ms} ms" if budget else ""
    reasons = ["throughput (samples/s): " + ", ".join(f"{b}: {throughput[b]:.1f}" for b in sizes),
               "latency (ms): " + ", ".join(f"{b}: {curve[b] * 1e3:.1f}" for b in sizes),
               (f"max_batch_size {max_batch}: the smallest size within {flat_fraction:.0%} of the best throughput "
                f"({best:.1f}/s){under}; beyond it the curve is flat and bigger batches only add latency")]
    allowed = [b for b in sizes if b <= max_batch]
    reasons.append(f"allowed_batch_sizes {allowed}: the measured sizes (doubling), so padding to the next size "
                   "is at most half a batch")
    timeout = curve[sizes[0]]
    if budget is not None:
        timeout = max(0.0, min(timeout, budget - curve[max_batch]))
    reasons.append(f"batch_timeout_micros {int(timeout * 1e6)}: waiting for requests is worth at most one "
                   f"batch-of-1 run ({curve[sizes[0]] * 1e3:.2f} ms)"
                   + (f" and fits the budget with the largest batch ({curve[max_batch] * 1e3:.1f} ms)" if budget else ""))
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = max(1, cores // max(1, intra_op_threads))
    reasons.append(f"num_batch_threads {threads}: {cores} cores / {intra_op_threads} intra-op threads per batch "
                   "(the curve was measured with them); more batch threads only queue on the same cores")
    params = {"max_batch_size": max_batch, "batch_timeout_micros": int(timeout * 1e6), "num_batch_threads": threads,
              "allowed_batch_sizes": tuple(allowed)}
    return BatchingChoice(dict(curve), params, reasons)


def plot_curve(choice: BatchingChoice, path: Path) -> Path | None:
    """Latency and throughput against batch size, the chosen max_batch_size marked (matplotlib, Agg)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("--batching auto: matplotlib is not installed; no plot of the latency curve")
        return None
    sizes = sorted(choice.curve)
    fig, left = plt.subplots(figsize=(6, 4))
    left.plot(sizes, [choice.curve[b] * 1e3 for b in sizes], "o-", color="tab:blue", label="latency (ms)")
    left.set_xscale("log", base=2)
    left.set_xlabel("batch size")
    left.set_ylabel("latency per batch (ms)", color="tab:blue")
    right = left.twinx()
    right.plot(sizes, [b / choice.curve[b] for b in sizes], "s--", color="tab:orange", label="samples/s")
    right.set_ylabel("throughput (samples/s)", color="tab:orange")
    left.axvline(choice.params["max_batch_size"], color="grey", linestyle=":")
    left.set_title(f"max_batch_size {choice.params['max_batch_size']} ({choice.conditions})", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def auto_batching(version_dir: Path, model_name: str, signature: str, feeds: dict[str, np.ndarray],
                  budget_ms: float | None = None, ladder: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)) -> BatchingChoice:
    """Measure, choose, plot into assets.extra, and add warmup requests for every allowed batch size."""
    from converter.serving.prepare import resize_batch
    from converter.serving.warmup import append_warmup_records, predict_log

    curve = measure_curve(version_dir, signature, feeds, ladder, budget_ms=budget_ms)
    choice = choose_parameters(curve, budget_ms)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    choice.conditions = f"C API loader, 2 intra-op threads, {cores} cores available, load not controlled"
    plot_curve(choice, Path(version_dir) / PLOT_RELATIVE_PATH)
    append_warmup_records(version_dir, [predict_log(model_name, signature, resize_batch(feeds, b))
                                        for b in choice.params["allowed_batch_sizes"]])
    for line in choice.reasons:
        log.info("--batching auto: %s", line)
    return choice
