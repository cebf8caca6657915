"""The calibrated parity check (issue 17): errors at the float32 noise floor pass, real differences fail,
and 'does not generalize' is said only on evidence. Unit level, on constructed outputs."""
from __future__ import annotations

import numpy as np
import pytest

from converter.verify.compare import (NOISE_CAP, NOISE_MULTIPLE, ParityReport, ReferenceGap, compare_output,
                                      differences, noise_floor)
from converter.verify.failure import generalization_problem

RNG = np.random.default_rng(0)
EXACT = RNG.standard_normal((3, 100)).astype(np.float32) * 4.0     # logits of scale ~10
EXACT[0, 0] = 0.0                                                    # an element where rtol gives nothing


def _perturbed(size: float, where=(0, 0)) -> np.ndarray:
    out = EXACT.copy()
    out[where] += size
    return out


def test_error_at_the_noise_floor_passes_only_when_calibrated():
    floor = noise_floor(EXACT, _perturbed(4e-4))                     # two runtimes 4e-4 apart
    assert floor == pytest.approx(4e-4, rel=1e-3)
    ours = _perturbed(-3e-4)                                         # 3e-4 from the reference: > atol 1e-4
    strict = compare_output(3, "pytorch", "y", ours, EXACT, 1e-4, 1e-3, noise=floor)
    calibrated = compare_output(3, "pytorch", "y", ours, EXACT, 1e-4, 1e-3, noise=floor, calibrated=True)
    assert not strict.passed and strict.passed_by == ""
    assert calibrated.passed and calibrated.passed_by == "noise floor"
    assert calibrated.noise_ratio == pytest.approx(3e-4 / floor, rel=1e-3)


def test_error_well_beyond_the_floor_fails():
    floor = noise_floor(EXACT, _perturbed(1e-5))
    ours = _perturbed(NOISE_MULTIPLE * 1e-5 * 3)
    row = compare_output(3, "pytorch", "y", ours, EXACT, 1e-4, 1e-3, noise=floor, calibrated=True)
    assert not row.passed and row.noise_ratio == pytest.approx(3 * NOISE_MULTIPLE, rel=1e-2)


def test_one_percent_wrong_layer_fails_whatever_the_floor():
    """An output 1e-2 relative off everywhere (a wrong op upstream) against a float32-sized floor."""
    floor = noise_floor(EXACT, EXACT * (1 + 1e-6))
    row = compare_output(3, "onnxruntime", "y", EXACT * 1.01, EXACT, 1e-4, 1e-3, noise=floor, calibrated=True)
    assert not row.passed and row.max_rel == pytest.approx(1e-2, rel=1e-3)


def test_references_that_disagree_excuse_nothing():
    """PyTorch and ONNX Runtime 0.5 apart on outputs of scale ~10: above NOISE_CAP of the scale, so not
    noise; our 0.2 error (within 10x of that gap) still fails."""
    scale = float(np.abs(EXACT).max())
    assert 0.5 > NOISE_CAP * scale
    floor = noise_floor(EXACT, _perturbed(0.5))
    row = compare_output(3, "pytorch", "y", _perturbed(0.2), EXACT, 1e-4, 1e-3, noise=floor, calibrated=True)
    assert not row.passed


def test_scale_allowance_for_large_outputs():
    big = EXACT * 1e3                                                # outputs up to ~1e4
    ours = big.copy()
    ours[0, 0] += 5e-2                                               # on the zero element: 5e-6 of the scale
    assert not differences(ours, big, 1e-4, 1e-3).within
    assert compare_output(1, "pytorch", "y", ours, big, 1e-4, 1e-3, calibrated=True).passed_by == "tolerance"
    assert not compare_output(1, "pytorch", "y", ours, big, 1e-4, 1e-3).passed


def test_nan_positions_and_integers_are_exact():
    with_nan = EXACT.copy()
    with_nan[1, 1] = np.nan
    assert not compare_output(1, "pytorch", "y", EXACT, with_nan, 1, 1, noise=1.0, calibrated=True).passed
    ids = np.arange(6)
    assert not compare_output(1, "pytorch", "ids", ids + (ids == 5), ids, 1, 1, calibrated=True).passed
    assert noise_floor(ids, ids) is None


def _report(rows_by_set: dict, gaps_by_set: dict) -> ParityReport:
    report = ParityReport(1e-4, 1e-3, calibrated=True, floor_between="pytorch and onnxruntime")
    for (batch, label), (ours_error, floor) in rows_by_set.items():
        report.rows.append(compare_output(batch, "pytorch", "y", _perturbed(ours_error), EXACT, 1e-4, 1e-3, label,
                                          floor, calibrated=True))
    for (batch, label), gap in gaps_by_set.items():
        report.gaps.append(ReferenceGap(batch, label, "y", gap, float(np.abs(EXACT).max()), gap <= 1e-4))
    return report


def test_resnet_like_noise_is_not_called_a_generalization_problem():
    """One batch a hair over (beyond even the floor: the user set no floor), the others a hair under;
    PyTorch and ONNX Runtime at noise everywhere: a translation matter, never 'does not generalize'."""
    sets = {(1, "normal"): (3e-4, 1e-6), (3, "normal"): (9e-5, 1e-6), (8, "normal"): (9.5e-5, 1e-6),
            (3, "shifted"): (9e-5, 1e-6)}
    report = _report(sets, {key: 8.7e-5 for key in sets})
    assert not report.passed
    assert generalization_problem(report, ["tracer: something unrelated"]) == ""
    assert generalization_problem(report, []) == ""


def test_graph_wrong_only_on_some_inputs_is_said_to_not_generalize():
    sets = {(1, "normal"): (0.0, 1e-6), (3, "normal"): (0.0, 1e-6), (3, "shifted"): (2.0, 2.0)}
    report = _report(sets, {(1, "normal"): 1e-6, (3, "normal"): 1e-6, (3, "shifted"): 2.0})
    message = generalization_problem(report, [])
    assert message.startswith("the exported graph does not generalize (ONNX Runtime on the exported graph "
                              "matches PyTorch on batch 1 normal, batch 3 normal but not on batch 3 shifted)")
    traced = generalization_problem(report, ["tracer: Converting a tensor to a Python boolean (at model.py:10)"])
    assert "traced through data-dependent control flow at model.py:10" in traced


def test_translation_wrong_at_one_batch_size_is_not_blamed_on_the_export():
    """Ours wrong at batch 8 only (the Llama case of issue 17) while the references agree: no verdict."""
    sets = {(1, "normal"): (0.0, 1e-6), (3, "normal"): (0.0, 1e-6), (8, "normal"): (0.485, 1e-6)}
    report = _report(sets, {key: 1e-6 for key in sets})
    assert [(r.batch, r.passed) for r in report.rows] == [(1, True), (3, True), (8, False)]
    assert generalization_problem(report, []) == ""
