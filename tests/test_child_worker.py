"""converter/child_worker.py: a child started before its work, then given tasks in turn. The handlers below
run in the child (imported there as tests.test_child_worker); none imports TensorFlow."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest

from converter.child import ChildContext
from converter.child_worker import ChildWorker
from converter.errors import BadInputError, ConverterError, UnsupportedOpsError


def warm_up() -> None:
    os.environ["WORKER_WARMED_UP"] = "yes"


def echo(request: dict, context: ChildContext) -> dict:
    (context.scratch / "out.txt").write_text(request["text"].upper())
    logging.getLogger("converter.test_worker").warning("working on %s", request["text"])
    context.event("half")
    return {"text": request["text"], "pid": os.getpid(), "warmed": os.environ.get("WORKER_WARMED_UP"),
            "kernels": os.environ.get("TF_ENABLE_ONEDNN_OPTS")}


def wait_for_file(request: dict, context: ChildContext) -> str:
    context.event("waiting")
    while not (context.scratch / "go").exists():
        time.sleep(0.02)
    return "went"


def refuse(request: dict, context: ChildContext) -> None:
    raise BadInputError(f"--input {request['input']!r}: expected name:dtype:shape")


def unsupported(request: dict, context: ChildContext) -> None:
    raise UnsupportedOpsError({("com.example", "FancyOp", 1): 2}, "see docs/op_support.md")


def killed(request: dict, context: ChildContext) -> None:
    print("about to be killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def sleeps(request: dict, context: ChildContext) -> None:
    time.sleep(60)


def _worker(tmp_path=None, **options) -> ChildWorker:
    return ChildWorker("demo", work_dir=tmp_path, quiet_tensorflow=False, **options)


def test_tasks_run_in_turn_in_one_started_process(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with _worker(tmp_path, warm_up="tests.test_child_worker:warm_up", env={"TF_ENABLE_ONEDNN_OPTS": "0"}) as worker:
        assert worker.wait_ready() >= 0
        first = worker.task(echo, "one")
        second = worker.task("tests.test_child_worker:echo", "two")     # by name: the parent need not import it
        assert first.scratch.is_dir() and first.scratch != second.scratch
        events = []
        first.submit({"text": "a"}, on_event=events.append)
        second.submit({"text": "b"})
        a, b = first.result(), second.result()
        assert events == ["half"] and "half" in first.events
        assert (first.scratch / "out.txt").read_text() == "A" and (second.scratch / "out.txt").read_text() == "B"
    assert a["pid"] == b["pid"]                                        # one process for both
    assert (a["warmed"], a["kernels"]) == ("yes", "0")                 # warm_up ran; the environment reached it
    assert any(r.name == "converter.test_worker" and r.getMessage() == "working on b" for r in caplog.records)
    assert list(tmp_path.iterdir()) == []                              # scratch removed on close


def test_events_arrive_while_the_parent_works(tmp_path):
    """The reader thread relays events as they come: the parent learns of them without waiting for the result."""
    seen = threading.Event()
    with _worker(tmp_path) as worker:
        task = worker.task(wait_for_file, "wait").submit({}, on_event=lambda name: seen.set())
        assert seen.wait(60)              # the task still runs: it waits for the parent's file
        assert task.finished is None
        (task.scratch / "go").write_text("")
        assert task.result() == "went"


def test_errors_come_back_as_their_class_and_the_worker_goes_on():
    with _worker() as worker:
        with pytest.raises(BadInputError) as error:
            worker.run(refuse, {"input": "x"}, "check")
        assert str(error.value) == "--input 'x': expected name:dtype:shape" and error.value.exit_code == 2
        with pytest.raises(UnsupportedOpsError) as ops:
            worker.run(unsupported, {}, "preflight")
        assert ops.value.missing == {("com.example", "FancyOp", 1): 2} and ops.value.exit_code == 3
        assert worker.run(echo, {"text": "still here"}, "after")["text"] == "still here"


def test_a_crash_fails_every_unfinished_task_naming_its_stage():
    with _worker(crash_note="nothing was published") as worker:
        dying = worker.task(killed, "translate").submit({})
        queued = worker.task(echo, "verify").submit({"text": "never"})
        with pytest.raises(ConverterError) as error:
            dying.result()
        assert type(error.value) is ConverterError and error.value.exit_code == 4
        assert str(error.value) == ("the translate stage's process was killed by SIGKILL (out of memory?); "
                                    "last output: about to be killed; nothing was published")
        with pytest.raises(ConverterError, match="^the verify stage's process was killed by SIGKILL"):
            queued.result()
        assert not worker.alive


def test_a_worker_that_dies_while_starting():
    with _worker(warm_up="tests.test_child_worker:no_such_function") as worker, \
            pytest.raises(ConverterError, match="^the demo process exited with code 1 without a result while starting"):
        worker.wait_ready()


def test_a_task_timeout_kills_the_worker():
    started = time.monotonic()
    with _worker() as worker, pytest.raises(ConverterError) as error:
        worker.run(sleeps, {}, "verify", timeout=1)
    assert str(error.value) == "the verify stage's process did not finish within 1 s"
    assert time.monotonic() - started < 30


def test_close_kills_a_busy_worker_at_once(tmp_path):
    worker = _worker(tmp_path)
    task = worker.task(sleeps, "translate").submit({})
    worker.wait_ready()
    started = time.monotonic()
    worker.close()
    assert time.monotonic() - started < 10
    with pytest.raises(ConverterError, match="killed by SIGKILL"):
        task.result()
    assert list(tmp_path.iterdir()) == []
