"""--batching auto: the choice from a latency curve (synthetic curves with known answers) and the
measurement through the C API loader on a small SavedModel."""

from converter.serving.batching import (
    read_batching_parameters,
    write_batching_parameters,
)
from converter.serving.batching_auto import auto_batching, choose_parameters
from converter.serving.warmup import WARMUP_RELATIVE_PATH, read_warmup_requests
from tests.serving.conftest import make_feeds, save_two_input_model


def test_flat_curve_picks_the_knee():
    # 10 ms fixed cost + 1 ms per sample up to 8, then 4 ms per sample: throughput best at 8
    curve = {b: (0.010 + 0.001 * b if b <= 8 else 0.018 + 0.004 * (b - 8)) for b in (1, 2, 4, 8, 16, 32)}
    choice = choose_parameters(curve, cores=2, intra_op_threads=2)
    assert choice.params["max_batch_size"] == 8
    assert choice.params["allowed_batch_sizes"] == (1, 2, 4, 8)
    assert choice.params["batch_timeout_micros"] == 11000         # one batch-of-1 run
    assert choice.params["num_batch_threads"] == 1


def test_latency_budget_caps_the_batch():
    curve = {b: 0.002 + 0.001 * b for b in (1, 2, 4, 8, 16, 32)}     # throughput keeps growing
    free = choose_parameters(curve, cores=4, intra_op_threads=2)
    assert free.params["max_batch_size"] == 32 and free.params["num_batch_threads"] == 2
    capped = choose_parameters(curve, budget_ms=12.0, cores=4, intra_op_threads=2)
    assert capped.params["max_batch_size"] == 8                      # 10 ms; 16 would take 18 ms
    assert capped.params["batch_timeout_micros"] == 2000             # min(3 ms batch-of-1, 12 - 10 ms)


def test_measured_through_the_c_api(tmp_path):
    version_dir = save_two_input_model(tmp_path / "toy" / "1")
    choice = auto_batching(version_dir, "toy", "serving_default", make_feeds(1), ladder=(1, 2, 4, 8))
    assert sorted(choice.curve) == [1, 2, 4, 8] and all(v > 0 for v in choice.curve.values())
    assert (version_dir / "assets.extra" / "batching_curve.png").stat().st_size > 1000
    sizes = [int(r.inputs["x"].tensor_shape.dim[0].size) for r in read_warmup_requests(version_dir / WARMUP_RELATIVE_PATH)]
    assert sizes == list(choice.params["allowed_batch_sizes"])      # a warmup request per allowed size
    path = write_batching_parameters(tmp_path, {"x": ((-1, 4), "float32"), "ids": ((-1,), "int64")},
                                     **choice.params, comments=choice.reasons)
    text = path.read_text()
    assert text.startswith("# throughput") and "max_batch_size" in text
    assert read_batching_parameters(path).max_batch_size.value == choice.params["max_batch_size"]
