"""converter/child.py: the one child-process runner. The handlers below run in the child (imported there
as tests.test_child); none imports TensorFlow, so each child starts in well under a second."""
from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import pytest

from converter.child import ChildContext, ChildProcess, child_env
from converter.errors import BadInputError, ConverterError


def echo(request: dict, context: ChildContext) -> dict:
    (context.scratch / "out.txt").write_text(request["text"].upper())
    logging.getLogger("converter.test_child").warning("half way: %s", request["text"])
    context.event("half")
    import converter
    return {"text": request["text"], "converter": converter.__file__}


def refuse(request: dict, context: ChildContext) -> dict:
    raise BadInputError(f"--input {request['input']!r}: expected name:dtype:shape")


def missing_key(request: dict, context: ChildContext) -> dict:
    return {}["absent"]


def killed(request: dict, context: ChildContext) -> dict:
    print("about to be killed\nfor real", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def exits(request: dict, context: ChildContext) -> dict:
    os._exit(3)


def sleeps(request: dict, context: ChildContext) -> dict:
    time.sleep(60)


def _child(handler, **options) -> ChildProcess:
    return ChildProcess(handler, "demo", quiet_tensorflow=False, **options)


def test_result_scratch_event_and_log_records(tmp_path, caplog):
    import converter

    caplog.set_level(logging.INFO)
    with _child(echo, work_dir=tmp_path) as child:
        assert child.scratch.parent == tmp_path and child.scratch.name.startswith("demo-")
        child.start({"text": "abc"})
        assert child.wait_for("half")
        result = child.result()
        assert (child.scratch / "out.txt").read_text() == "ABC"
    assert result == {"text": "abc", "converter": converter.__file__}   # imported from where the parent did
    assert any(r.name == "converter.test_child" and r.getMessage() == "half way: abc" for r in caplog.records)
    assert list(tmp_path.iterdir()) == []                                # scratch removed on close


def test_an_error_comes_back_as_its_class():
    with _child(refuse) as child, pytest.raises(BadInputError) as error:
        child.run({"input": "x"})
    assert str(error.value) == "--input 'x': expected name:dtype:shape" and error.value.exit_code == 2
    with _child(missing_key) as child, pytest.raises(KeyError, match="absent"):
        child.run({})


def test_a_killed_child_is_a_one_line_error_naming_the_stage():
    with _child(killed, crash_note="nothing was published") as child, pytest.raises(ConverterError) as error:
        child.run({})
    assert type(error.value) is ConverterError and error.value.exit_code == 4
    assert str(error.value) == ("the demo stage's process was killed by SIGKILL (out of memory?); "
                                "last output: for real; nothing was published")


def test_a_child_ending_without_a_result_names_the_stage_given_late():
    with _child(exits) as child, pytest.raises(ConverterError) as error:
        child.start({})
        child.result(stage="later")
    assert str(error.value) == "the later stage's process exited with code 3 without a result"


def test_timeout_kills_the_child():
    started = time.monotonic()
    with _child(sleeps, timeout=1) as child, pytest.raises(ConverterError) as error:
        child.run({})
    assert str(error.value) == "the demo stage's process did not finish within 1 s"
    assert time.monotonic() - started < 30


def test_environment_quiet_tensorflow_and_package_path(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = child_env()
    home = str(Path(__file__).resolve().parents[1])       # a source checkout: not a site-packages folder
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "2" and env["CONVERTER_PARENT_PID"] == str(os.getpid())
    assert env["PYTHONPATH"].split(os.pathsep) == [home, "/elsewhere"]
    assert child_env(tf_log_level="3")["TF_CPP_MIN_LOG_LEVEL"] == "3"
