"""The translate and savedmodel stages in a child process.

Why a process: TensorFlow's CPU allocator keeps the memory of the translated weights (a copy of every
weight, as tf.Variables) after the module is deleted; only a process exit returns it to the OS. Run in
a child, that memory is gone before the verification child loads the SavedModel (models over 2 GB).

The parent (`ChildTranslation`) writes the translated ONNX model to a scratch folder in the work dir
(external data stays where it is: the references point into `settings.data_dir`) and a request file,
then starts `python -m converter.translate_child REQUEST.json`. The child's stdout and stderr come back
through one pipe: lines starting with `MARKER` carry its log records (re-emitted in the parent through
the same logger names, so the user's log level applies) and the "translated" event that ends the
translate stage; other lines (warnings, C++ messages) are copied to the parent's stderr. The child
writes `result.json`: the SignatureSpec, or the error as class name and one-line message
(converter.errors.error_to_dict), raised again in the parent as the same class.
The child dies with the parent (PR_SET_PDEATHSIG), and the parent kills it when a stage is abandoned.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from converter.errors import ConverterError, error_from_dict, error_to_dict

# Nothing here imports TensorFlow at module level: the child sets up its logging and imports TF quietly first.
logger = logging.getLogger("converter.translate_child")   # also when run as __main__

MARKER = "\x1e@converter-child "     # starts every protocol line on the child's output
ROOT = Path(__file__).resolve().parents[1]


class ChildTranslation:
    """Translate and save in a child process; same interface as translate_stage.InProcessTranslation."""

    def __init__(self, model, settings):
        self._model = model
        self._settings = settings
        self._scratch: Path | None = None
        self._process: subprocess.Popen | None = None
        self._translated = False
        self._raw_tail: list[str] = []      # the child's last non-protocol lines, for a crash message

    def __enter__(self) -> "ChildTranslation":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def translate(self) -> None:
        self._start()
        self._relay(until_translated=True)
        if not self._translated:
            self._raise_outcome("translate")

    def save(self):
        """The SignatureSpec of the SavedModel the child wrote."""
        self._relay(until_translated=False)
        return self._raise_outcome("savedmodel")

    def close(self) -> None:
        """Kill the child if it still runs (an abandoned stage must not write into staging afterwards)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process.stdout.close()
            self._process = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _start(self) -> None:
        self._scratch = Path(tempfile.mkdtemp(prefix="translate-", dir=self._settings.work_dir))
        model_path = self._scratch / "translated.onnx"
        try:
            model_path.write_bytes(self._model.SerializeToString())   # external data: references only
        except ValueError as error:      # protobuf's 2 GB limit: weights inline although the model is large
            raise ConverterError(f"cannot hand the translated ONNX graph to the translate process: {error}") from None
        request = {"model": str(model_path), "settings": self._settings.as_dict(), "parent_pid": os.getpid(),
                   "log_levels": _explicit_log_levels(),
                   "result": str(self._scratch / "result.json")}
        (self._scratch / "request.json").write_text(json.dumps(request))
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
                   PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "converter.translate_child", str(self._scratch / "request.json")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", env=env)

    def _relay(self, until_translated: bool) -> None:
        """Forward the child's output until it reports the translation done (or until it exits)."""
        for line in self._process.stdout:
            if not line.startswith(MARKER):
                sys.stderr.write(line)
                self._raw_tail = (self._raw_tail + [line.strip()])[-5:] if line.strip() else self._raw_tail
                continue
            message = json.loads(line[len(MARKER):])
            if "log" in message:
                _emit_record(message["log"])
            elif message.get("event") == "translated":
                self._translated = True
                if until_translated:
                    return
        self._process.wait()

    def _raise_outcome(self, stage: str):
        """The spec from result.json, or the child's error raised as its own class, or a crash error."""
        from converter.savedmodel.signature import SignatureSpec

        returncode = self._process.wait()
        result_path = self._scratch / "result.json"
        result = json.loads(result_path.read_text()) if result_path.is_file() else {}
        if "error" in result:
            raise error_from_dict(result["error"])
        if "spec" in result and returncode == 0:
            return SignatureSpec.from_dict(result["spec"])
        raise ConverterError(f"the {stage} stage's process {_describe_exit(returncode)}"
                             f"{'; last output: ' + self._raw_tail[-1][:300] if self._raw_tail else ''}; "
                             f"nothing was published")


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = " (out of memory?)" if -returncode == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {returncode} without a result"


def _explicit_log_levels() -> dict[str, int]:
    """The root level and every level set on a named logger (the CLI quietens TF, torch, ...): the child
    applies them, so it forwards only what the parent would show."""
    levels = {"": logging.getLogger().getEffectiveLevel()}
    for name, item in list(logging.root.manager.loggerDict.items()):
        if isinstance(item, logging.Logger) and item.level != logging.NOTSET:
            levels[name] = item.level
    return levels


def _emit_record(data: dict) -> None:
    target = logging.getLogger(data["name"])
    if target.isEnabledFor(data["levelno"]):
        target.handle(logging.makeLogRecord({**data, "args": None}))


# ---- the child ----

class _ForwardHandler(logging.Handler):
    """Each log record as one protocol line on stderr; the parent re-emits it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            _send({"log": {"name": record.name, "levelno": record.levelno, "levelname": record.levelname,
                           "msg": text}})
        except Exception:  # noqa: BLE001 - logging must never break the conversion
            self.handleError(record)


def _send(message: dict) -> None:
    sys.stderr.write(MARKER + json.dumps(message) + "\n")
    sys.stderr.flush()


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL when the parent dies (a killed conversion must not leave a child writing into staging)."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):     # not Linux: the parent still kills us when it abandons a stage
        pass
    if os.getppid() != parent_pid:        # the parent died before prctl took effect
        os._exit(1)


def _write_result(path: Path, result: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text())
    _die_with_parent(request["parent_pid"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole group: the parent kills us
    logging.getLogger().handlers[:] = [_ForwardHandler()]     # before TF's import adds a handler of its own
    for name, level in request["log_levels"].items():
        logging.getLogger(name or None).setLevel(level)
    from converter.tf_import import import_tensorflow_quietly

    import_tensorflow_quietly()
    import onnx

    from converter.translate_stage import InProcessTranslation, TranslateSettings

    result_path = Path(request["result"])
    try:
        model = onnx.load(request["model"], load_external_data=False)
        with InProcessTranslation(model, TranslateSettings.from_dict(request["settings"])) as run:
            run.translate()
            _send({"event": "translated"})
            spec = run.save()
    except Exception as error:  # noqa: BLE001 - every error goes back to the parent as class + message
        logger.debug("translate child failed:\n%s", traceback.format_exc().rstrip())
        _write_result(result_path, {"error": error_to_dict(error)})
        return 1
    _write_result(result_path, {"spec": spec.as_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
