"""The official ONNX backend test cases through both backends, for a side-by-side coverage table.

Not a unit test (tests/conformance/ is): each backend runs in a worker process that takes one case
name per stdin line and answers one JSON line, so a case that hangs or crashes the process is cut
off at its own timeout (the worker is restarted) without losing the rest of the run.

Statuses: pass | fail (outputs differ) | unsupported (refused up front: missing op/version) |
error (exception while converting or running) | timeout.
"""
from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from converter.child import child_env, die_with_parent, python_command
from converter.errors import typed_first_line

BACKENDS = ("native", "onnx-tf")
KINDS = ("node", "simple", "pytorch-converted", "pytorch-operator")


@dataclass(frozen=True)
class CaseResult:
    case: str
    backend: str
    status: str
    detail: str = ""
    seconds: float = 0.0


def list_cases(kinds: tuple[str, ...] = ("node",)) -> dict:
    """Case name -> onnx TestCase (models and data in memory for `node`, on disk for the others)."""
    import onnx.backend.test.loader as loader
    cases = {}
    for kind in kinds:
        for case in loader.load_model_tests(kind=kind):
            if case.url is None:                       # `real` models need a download: not here
                cases[case.name] = case
    return cases


def run_case(backend: str, case) -> tuple[str, str]:
    """(status, one-line detail) for one case on one backend, in this process."""
    from onnx.backend.test.runner import BackendIsNotSupposedToImplementIt, Runner

    from converter.errors import UnsupportedModelError

    model, data_sets = _load(case)
    try:
        prepared = _prepare(backend, model)
    except (UnsupportedModelError, BackendIsNotSupposedToImplementIt) as error:
        return "unsupported", _line(error)
    except Exception as error:  # noqa: BLE001 - any failure to prepare is the case's outcome
        return "error", _line(error)
    for inputs, expected in data_sets:
        try:
            outputs = prepared.run(inputs)
        except BackendIsNotSupposedToImplementIt as error:
            return "unsupported", _line(error)
        except Exception as error:  # noqa: BLE001 - any failure to run is the case's outcome
            return "error", _line(error)
        try:
            Runner.assert_similar_outputs(list(expected), list(outputs), rtol=case.rtol, atol=case.atol)
        except Exception as error:                    # noqa: BLE001 - AssertionError, or a type/shape mismatch
            return "fail", _line(error)
    return "pass", ""


def _prepare(backend: str, model):
    if backend == "native":
        import converter.backend
        return converter.backend.prepare(model)
    if backend == "onnx-tf":
        from converter.backends.onnx_tf_adapter import import_onnx_tf
        from converter.backends.onnx_tf_backend import downconvert_for_onnx_tf
        onnx_tf_backend = import_onnx_tf()
        # as --backend onnx-tf does: pick an opset onnx-tf implements, refuse clearly if there is none
        return onnx_tf_backend.prepare(downconvert_for_onnx_tf(model), logging_level="ERROR")
    raise ValueError(f"unknown backend {backend!r}")


def _load(case):
    """(model, [(inputs, expected outputs)]) from memory (node cases) or from the case directory."""
    import glob

    import onnx
    from onnx import numpy_helper

    def as_array(value):
        return numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else value

    if case.model is not None:                # node cases may hold TensorProto values (as the onnx runner notes)
        return case.model, [([as_array(v) for v in i], [as_array(v) for v in o]) for i, o in case.data_sets]
    model = onnx.load(os.path.join(case.model_dir, "model.onnx"))
    initialized = {i.name for i in model.graph.initializer}
    input_types = [v.type for v in model.graph.input if v.name not in initialized]
    output_types = [v.type for v in model.graph.output]
    data_sets = []
    def load(folder: str, prefix: str, types) -> list:
        return [_read_proto(os.path.join(folder, f"{prefix}_{i}.pb"), t, onnx, numpy_helper)
                for i, t in enumerate(types) if os.path.exists(os.path.join(folder, f"{prefix}_{i}.pb"))]

    for folder in sorted(glob.glob(os.path.join(case.model_dir, "test_data_set*"))):
        data_sets.append((load(folder, "input", input_types), load(folder, "output", output_types)))
    return model, data_sets


def _read_proto(path: str, type_proto, onnx, numpy_helper):
    content = Path(path).read_bytes()
    if type_proto.HasField("sequence_type"):
        return numpy_helper.to_list(onnx.SequenceProto.FromString(content))
    if type_proto.HasField("optional_type"):
        return numpy_helper.to_optional(onnx.OptionalProto.FromString(content))
    return numpy_helper.to_array(onnx.TensorProto.FromString(content))


def _line(error: BaseException) -> str:
    """Type, first and last line: TF errors put the cause last ("Graph execution error: ... Detected at")."""
    return typed_first_line(error, last_too=True)[:240]


class Worker:
    """One backend's worker process; `ask(case)` returns a CaseResult, restarting after a timeout."""

    def __init__(self, backend: str, kinds: tuple[str, ...], start_timeout: float = 300):
        self.backend, self.kinds, self.start_timeout = backend, kinds, start_timeout
        self.process = None

    def _start(self) -> None:
        # a long-lived worker answering line by line, not one ChildProcess call: only the command and env are shared
        self.process = subprocess.Popen(python_command("converter.backends.conformance", self.backend,
                                                       ",".join(self.kinds)),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, env=child_env(tf_log_level="3"))
        if self._read_line(self.start_timeout) != "ready":
            self.stop()
            raise RuntimeError(f"{self.backend} conformance worker did not start")

    def ask(self, case: str, timeout: float) -> CaseResult:
        if self.process is None:
            self._start()
        started = time.perf_counter()
        self.process.stdin.write(case + "\n")
        self.process.stdin.flush()
        line = self._read_line(timeout)
        seconds = time.perf_counter() - started
        if line is None:                                   # hung or died: cut it off, restart for the next case
            died = self.process.poll() is not None
            self.stop()
            return CaseResult(case, self.backend, "error" if died else "timeout",
                              "worker process died" if died else f"no answer within {timeout:g} s", seconds)
        answer = json.loads(line)
        return CaseResult(case, self.backend, answer["status"], answer["detail"], seconds)

    def _read_line(self, timeout: float) -> str | None:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout)
        selector.close()
        line = self.process.stdout.readline() if ready else ""
        return line.strip() or None

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()                         # our own child, by its handle
            self.process.wait()
            self.process = None


def _worker_main(backend: str, kinds: tuple[str, ...]) -> None:
    """Answers on a private copy of stdout; fd 1 goes to stderr so library prints cannot corrupt it."""
    die_with_parent()
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    import logging
    logging.disable(logging.CRITICAL)
    import tensorflow  # noqa: F401  (import before answering "ready": start-up is not a case's time)
    cases = list_cases(kinds)
    if backend == "onnx-tf":
        from converter.backends.onnx_tf_adapter import import_onnx_tf
        import_onnx_tf()
    answers.write("ready\n")
    for line in sys.stdin:
        name = line.strip()
        try:
            status, detail = run_case(backend, cases[name])
        except Exception as error:                          # noqa: BLE001 - a harness problem: report, keep going
            status, detail = "error", _line(error)
        answers.write(json.dumps({"status": status, "detail": detail}) + "\n")


if __name__ == "__main__":
    _worker_main(sys.argv[1], tuple(sys.argv[2].split(",")))
