"""Per-output comparison records and the parity report."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class OutputDiff:
    batch: int
    inputs: str             # which input set: "normal", "uniform", "x100", "length 5" ...
    reference: str          # "pytorch" | "onnxruntime"
    output: str
    shape: tuple[int, ...]
    dtype: str
    max_abs: float
    max_rel: float
    passed: bool
    note: str = ""


def compare_output(batch: int, reference: str, output: str, actual: np.ndarray, expected: np.ndarray,
                   atol: float, rtol: float, inputs: str = "normal") -> OutputDiff:
    """Pass when |actual - expected| <= atol + rtol * |expected| everywhere (NaN/Inf must match exactly)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return OutputDiff(batch, inputs, reference, output, actual.shape, str(actual.dtype), float("inf"), float("inf"),
                          False, f"shape {actual.shape} != reference {expected.shape}")
    if actual.size == 0:
        return OutputDiff(batch, inputs, reference, output, actual.shape, str(actual.dtype), 0.0, 0.0, True)
    if actual.dtype.kind in "fc" or expected.dtype.kind in "fc":
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        finite = np.isfinite(e) & np.isfinite(a)
        same_special = np.array_equal(np.isnan(a), np.isnan(e)) and np.array_equal(a[~finite & ~np.isnan(a)],
                                                                                    e[~finite & ~np.isnan(e)])
        diff = np.abs(a - e)[finite]
        max_abs = float(diff.max()) if diff.size else 0.0
        max_rel = float((diff / np.maximum(np.abs(e[finite]), 1e-12)).max()) if diff.size else 0.0
        passed = bool(same_special and np.all(diff <= atol + rtol * np.abs(e[finite])))
        note = "" if same_special else "NaN/Inf positions differ"
        return OutputDiff(batch, inputs, reference, output, actual.shape, str(actual.dtype), max_abs, max_rel, passed, note)
    mismatches = int(np.sum(actual != expected))
    return OutputDiff(batch, inputs, reference, output, actual.shape, str(actual.dtype), float(mismatches > 0),
                      float(mismatches > 0), mismatches == 0, f"{mismatches} elements differ" if mismatches else "")


@dataclass
class ParityReport:
    atol: float
    rtol: float
    rows: list[OutputDiff] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed for r in self.rows)

    def failures(self) -> list[OutputDiff]:
        return [r for r in self.rows if not r.passed]

    def input_sets(self) -> dict[tuple[int, str], bool]:
        """(batch, inputs) -> whether every output matched on that input set."""
        result: dict[tuple[int, str], bool] = {}
        for r in self.rows:
            result[(r.batch, r.inputs)] = result.get((r.batch, r.inputs), True) and r.passed
        return result

    def as_dict(self) -> dict:
        return {"atol": self.atol, "rtol": self.rtol, "passed": self.passed,
                "rows": [dict(asdict(r), shape=list(r.shape)) for r in self.rows], "warnings": self.warnings}

    def table(self) -> str:
        header = f"{'batch':>5}  {'inputs':<9} {'reference':<12} {'output':<20} {'shape':<18} {'max abs':>10} {'max rel':>10}  ok"
        lines = [header, "-" * len(header)]
        for r in self.rows:
            lines.append(f"{r.batch:>5}  {r.inputs[:9]:<9} {r.reference:<12} {r.output[:20]:<20} {str(tuple(r.shape))[:18]:<18} "
                         f"{r.max_abs:>10.3g} {r.max_rel:>10.3g}  {'yes' if r.passed else 'NO ' + r.note}")
        return "\n".join(lines)
