"""The one parity comparator: element-wise differences, the float32 noise floor, and the parity report.

A fixed element-wise tolerance sits at float32 noise for any deep network: torchvision's ResNet-50 differs
from PyTorch by 1.1e-4 in our SavedModel and by 8.7e-5 in ONNX Runtime, on the same inputs. So, unless the
user sets --atol/--rtol, an output also passes when its error is within NOISE_MULTIPLE times the noise
floor: how far two independent float32 runtimes (PyTorch and ONNX Runtime) are from each other on the same
inputs, for that output. A floor counts as noise only while it stays below NOISE_CAP of the output's
largest magnitude: beyond that the two references disagree about the result itself (an exported graph
that does not generalize), and nothing is excused by it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

NOISE_MULTIPLE = 10.0    # pass within this many times the noise floor (measured ratios: docs/parity.md)
NOISE_CAP = 1e-3         # a floor above this fraction of max |output| is a disagreement, not noise
SCALE_RTOL = 1e-5        # element allowance proportional to max |output| (about 80 float32 ulps of it)


@dataclass(frozen=True)
class Differences:
    """|actual - expected| summarised; `within` says whether every element is inside atol + rtol * |expected|
    (+ scale_rtol * max |expected|); NaN/Inf must sit at the same places with the same values."""
    max_abs: float
    max_rel: float
    scale: float            # max |expected| over the finite elements
    within: bool
    note: str = ""
    shapes_differ: bool = False


def differences(actual: np.ndarray, expected: np.ndarray, atol: float, rtol: float,
                scale_rtol: float = 0.0) -> Differences:
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return Differences(float("inf"), float("inf"), 0.0, False, f"shape {actual.shape} != reference {expected.shape}",
                           shapes_differ=True)
    if actual.size == 0:
        return Differences(0.0, 0.0, 0.0, True)
    if actual.dtype.kind not in "fc" and expected.dtype.kind not in "fc":
        # integers exactly; strings (class labels) as Python objects, so bytes and str compare by value
        if actual.dtype.kind in "OSU" or expected.dtype.kind in "OSU":
            actual, expected = actual.astype(object), expected.astype(object)
        mismatches = int(np.sum(actual != expected))
        return Differences(float(mismatches > 0), float(mismatches > 0), 0.0, mismatches == 0,
                           f"{mismatches} of {actual.size} elements differ" if mismatches else "")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(e) & np.isfinite(a)
    same_special = np.array_equal(np.isnan(a), np.isnan(e)) and np.array_equal(a[~finite & ~np.isnan(a)],
                                                                                e[~finite & ~np.isnan(e)])
    diff, magnitude = np.abs(a - e)[finite], np.abs(e[finite])
    if not diff.size:
        return Differences(0.0, 0.0, 0.0, same_special, "" if same_special else "NaN/Inf positions differ")
    scale = float(magnitude.max())
    within = bool(same_special and np.all(diff <= atol + rtol * magnitude + scale_rtol * scale))
    return Differences(float(diff.max()), float((diff / np.maximum(magnitude, 1e-12)).max()), scale, within,
                       "" if same_special else "NaN/Inf positions differ")


def noise_floor(first: np.ndarray, second: np.ndarray) -> float | None:
    """max |first - second| of two independent references' float outputs; None where it means nothing."""
    first, second = np.asarray(first), np.asarray(second)
    if first.shape != second.shape or first.dtype.kind not in "fc" or second.dtype.kind not in "fc":
        return None
    found = differences(first, second, 0.0, 0.0)
    return found.max_abs if not found.note else None


def floor_is_noise(floor: float | None, scale: float) -> bool:
    return floor is not None and floor <= NOISE_CAP * scale


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
    noise_floor: float | None = None   # PyTorch vs ONNX Runtime on the same inputs, this output
    passed_by: str = ""                # "tolerance" | "noise floor" | "" (failed)
    scale: float = 0.0                 # max |reference output|

    @property
    def noise_ratio(self) -> float | None:
        """Error in units of the noise floor (None without a floor)."""
        if not self.noise_floor:
            return None
        return self.max_abs / self.noise_floor


def compare_output(batch: int, reference: str, output: str, actual: np.ndarray, expected: np.ndarray,
                   atol: float, rtol: float, inputs: str = "normal", noise: float | None = None,
                   calibrated: bool = False, unstable: bool = False) -> OutputDiff:
    """Strict: pass when |actual - expected| <= atol + rtol * |expected| everywhere. Calibrated (the
    user left the tolerances at their defaults): also allow SCALE_RTOL of the output's largest magnitude
    per element, or an error within NOISE_MULTIPLE times a noise floor that is float noise; `unstable`
    (measured: converter/verify/stability.py) says a floor above NOISE_CAP is float32 rounding too."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    found = differences(actual, expected, atol, rtol, SCALE_RTOL if calibrated else 0.0)
    passed_by = "tolerance" if found.within else ""
    if (not found.within and calibrated and not found.note and noise is not None
            and (unstable or floor_is_noise(noise, found.scale)) and found.max_abs <= NOISE_MULTIPLE * noise):
        passed_by = "noise floor" if floor_is_noise(noise, found.scale) else "unstable inputs"
    return OutputDiff(batch, inputs, reference, output, tuple(actual.shape), str(actual.dtype), found.max_abs,
                      found.max_rel, bool(passed_by), found.note, noise, passed_by, found.scale)


@dataclass(frozen=True)
class ReferenceGap:
    """How far the two references (PyTorch and ONNX Runtime on the exported graph) are apart on one input
    set and output: float noise, or a disagreement about the result."""
    batch: int
    inputs: str
    output: str
    floor: float
    scale: float
    within_tolerance: bool
    unstable: str = ""        # evidence that a floor above NOISE_CAP is the model's float32 instability

    @property
    def is_noise(self) -> bool:
        return self.within_tolerance or floor_is_noise(self.floor, self.scale) or bool(self.unstable)


@dataclass
class ParityReport:
    atol: float
    rtol: float
    calibrated: bool = False
    rows: list[OutputDiff] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gaps: list[ReferenceGap] = field(default_factory=list)
    floor_between: str = ""            # which two references the floors come from

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed for r in self.rows)

    def failures(self) -> list[OutputDiff]:
        return [r for r in self.rows if not r.passed]

    def as_dict(self) -> dict:
        rows = [dict(asdict(r), shape=list(r.shape), noise_ratio=r.noise_ratio) for r in self.rows]
        return {"atol": self.atol, "rtol": self.rtol, "passed": self.passed, "calibrated": self.calibrated,
                "noise_floor": {"between": self.floor_between, "multiple": NOISE_MULTIPLE, "cap": NOISE_CAP,
                                "scale_rtol": SCALE_RTOL},
                "rows": rows, "reference_gaps": [dict(asdict(g), is_noise=g.is_noise) for g in self.gaps],
                "warnings": self.warnings}

    def __str__(self) -> str:
        return self.table()

    def table(self) -> str:
        header = (f"{'batch':>5}  {'inputs':<9} {'reference':<12} {'output':<20} {'shape':<18} {'max abs':>10} "
                  f"{'max rel':>10} {'floor':>10}  ok")
        lines = [header, "-" * len(header)]
        for r in self.rows:
            floor = f"{r.noise_floor:>10.3g}" if r.noise_floor is not None else f"{'-':>10}"
            verdict = ({"tolerance": "yes", "noise floor": "yes (noise)"}.get(r.passed_by, "yes (unstable)")
                       if r.passed else "NO " + r.note)
            lines.append(f"{r.batch:>5}  {r.inputs[:9]:<9} {r.reference:<12} {r.output[:20]:<20} "
                         f"{str(tuple(r.shape))[:18]:<18} {r.max_abs:>10.3g} {r.max_rel:>10.3g} {floor}  {verdict}")
        if self.floor_between:
            lines.append(f"floor: max abs between {self.floor_between} on the same inputs; "
                         + (f"'yes (noise)': within {NOISE_MULTIPLE:g}x the floor" if self.calibrated
                            else "not used: --atol/--rtol were given")
                         + ("; 'yes (unstable)': the same where the model is numerically unstable in float32 "
                            "(see the warnings)" if any(r.passed_by == "unstable inputs" for r in self.rows) else ""))
        return "\n".join(lines)
