"""converter/workers.py's kept workers (keep_workers_between_conversions, what convert-many's workers use):
a small model's workers go on to the next conversion, in its work dir; a dead, timed-out or busy worker is
never handed on; a large model gets fresh processes. The workers here are light stand-ins (no TensorFlow)
running the handlers of tests/test_child_worker.py; tests/many/test_convert_many.py has whole conversions."""
from __future__ import annotations

import shutil

import pytest

import converter.workers as workers
from converter.child_worker import ChildWorker
from converter.errors import ConverterError
from converter.workers import ConversionWorkers, keep_workers_between_conversions
from tests.test_child_worker import echo, sleeps

SMALL = 1000          # bytes of weights


@pytest.fixture(autouse=True)
def light_workers(monkeypatch):
    """Workers named and configured as the real ones, without TensorFlow; `started` counts them per kind."""
    started = {"tensorflow": 0, "serving": 0}

    def factory(kind):
        def start(work_dir=None):
            started[kind] += 1
            return ChildWorker(kind, work_dir=work_dir, quiet_tensorflow=False, crash_note="nothing was published")
        return start
    monkeypatch.setattr(workers, "tensorflow_worker", factory("tensorflow"))
    monkeypatch.setattr(workers, "serving_worker", factory("serving"))
    return started


def _convert(work_dir, weight_bytes=SMALL) -> tuple[ConversionWorkers, dict[str, dict]]:
    """A conversion's use of its workers: one task each, its scratch in `work_dir`. Returns the closed
    ConversionWorkers and each task's result (with the child's pid)."""
    work_dir.mkdir()
    results = {}
    with ConversionWorkers(work_dir) as conversion:
        conversion.size_for(weight_bytes)
        for kind in ("tensorflow", "serving"):
            worker = getattr(conversion, kind)()
            worker.wait_ready()
            task = worker.task(echo, kind)
            assert task.scratch.is_relative_to(work_dir)
            results[kind] = task.submit({"text": kind}).result()
            assert (task.scratch / "out.txt").read_text() == kind.upper()
    return conversion, results


def test_a_small_models_workers_serve_the_next_conversion_in_its_own_work_dir(tmp_path, light_workers):
    with keep_workers_between_conversions():
        first, one = _convert(tmp_path / "one")
        kept = dict(workers._kept)
        assert set(kept) == {"tensorflow", "serving"} and all(w.alive for w in kept.values())
        assert {"tensorflow process start-up", "serving process start-up"} <= set(first.seconds)
        shutil.rmtree(tmp_path / "one")             # the first conversion's temporary work dir is gone
        second, two = _convert(tmp_path / "two")
        assert second.reused == {"tensorflow", "serving"}
        assert {k: r["pid"] for k, r in two.items()} == {k: r["pid"] for k, r in one.items()}
        assert light_workers == {"tensorflow": 1, "serving": 1}
        assert not any(key.endswith("process start-up") for key in second.seconds)   # paid by the first
        assert list((tmp_path / "two").iterdir()) == []       # its files went with the conversion
    assert not any(w.alive for w in kept.values())            # closed with the context


def test_a_kept_worker_that_died_is_replaced(tmp_path, light_workers):
    with keep_workers_between_conversions():
        _, one = _convert(tmp_path / "one")
        dying = workers._kept["tensorflow"]._process
        dying.kill()                                          # e.g. the OOM killer, between two entries
        dying.wait()
        second, two = _convert(tmp_path / "two")
        assert second.reused == {"serving"}
        assert two["tensorflow"]["pid"] != one["tensorflow"]["pid"]
        assert two["serving"]["pid"] == one["serving"]["pid"]
        assert light_workers == {"tensorflow": 2, "serving": 1}
        assert "tensorflow process start-up" in second.seconds


def test_a_large_model_gets_fresh_processes_and_leaves_none_kept(tmp_path, light_workers, monkeypatch):
    with keep_workers_between_conversions():
        _, one = _convert(tmp_path / "one")
        kept = dict(workers._kept)
        monkeypatch.setattr(workers, "SHARED_MAX_WEIGHT_BYTES", 0)
        large, two = _convert(tmp_path / "two")
        assert not any(w.alive for w in kept.values())           # closed when the size was known
        assert all(two[k]["pid"] != one[k]["pid"] for k in two)
        assert large.reused == set() and workers._kept == {}      # its own workers ended with it
        assert light_workers == {"tensorflow": 2, "serving": 2}
        monkeypatch.setattr(workers, "SHARED_MAX_WEIGHT_BYTES", 1 << 30)
        _, three = _convert(tmp_path / "three")
        assert light_workers == {"tensorflow": 3, "serving": 3}


def test_a_busy_or_timed_out_worker_is_not_kept(tmp_path):
    with keep_workers_between_conversions():
        with ConversionWorkers(tmp_path) as conversion:
            conversion.size_for(SMALL)
            busy = conversion.tensorflow().task(sleeps, "translate").submit({})     # abandoned: must not write on
            with pytest.raises(ConverterError, match="did not finish within 1 s"):
                conversion.serving().run(sleeps, {}, "serving", timeout=1)
        assert workers._kept == {}
        with pytest.raises(ConverterError, match="killed by SIGKILL"):
            busy.result()


def test_without_keeping_workers_end_with_their_conversion(tmp_path):
    conversion, _ = _convert(tmp_path / "one")
    assert workers._kept is None
    assert conversion.reused == set() and conversion._tensorflow is None and conversion._serving is None
    assert list((tmp_path / "one").iterdir()) == []
