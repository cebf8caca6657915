"""Typed errors. Each carries the process exit code the command line uses for it.

Exit codes (documented in the README): 0 success, 1 parity failure, 2 bad input or usage,
3 unsupported model, 4 internal error.
"""
from __future__ import annotations


class ConverterError(Exception):
    """Base class: the message is one line that tells the user what was wrong and what to do."""

    exit_code = 4


class BadInputError(ConverterError):
    """The user's files or flags are wrong (missing file, bad spec, malformed model)."""

    exit_code = 2


class UntrustedCheckpointError(BadInputError):
    """Loading the checkpoint would run code from it and the user did not pass --trust-checkpoint."""


class UnsupportedModelError(ConverterError):
    """The model is valid but uses something we cannot translate."""

    exit_code = 3


class UnsupportedOpsError(UnsupportedModelError):
    """Preflight found ops without a translation. Lists all of them at once."""

    def __init__(self, missing: dict[tuple[str, str, int], int], supported_hint: str = ""):
        self.missing = dict(missing)
        parts = [f"{(domain + '::') if domain else ''}{op} (opset {ver}, {count} node{'s' if count > 1 else ''})"
                 for (domain, op, ver), count in sorted(self.missing.items())]
        message = "unsupported ONNX ops: " + ", ".join(parts)
        if supported_hint:
            message += f"; {supported_hint}"
        super().__init__(message)


class OpTranslationError(UnsupportedModelError):
    """A handler failed or met an attribute value it cannot express; names node, op and opset."""


class InternalError(ConverterError):
    """A bug of ours met while converting a valid model (a handler crashed, we wrote an invalid graph):
    exit 4, never blamed on the user's model."""

    HINT = "(a bug of the converter, not of your model: rerun with --debug and report it)"

    def __init__(self, message: str):
        super().__init__(message if self.HINT in message else f"{message} {self.HINT}")


class ParityError(ConverterError):
    """The converted model's outputs differ from the reference beyond tolerance."""

    exit_code = 1


class PublishError(ConverterError):
    """The version folder cannot be written (exists without --force, lock timeout, ...)."""

    exit_code = 2


# One-line descriptions of another library's (often multi-line) exception, for our one-line messages.

def first_line(error: object, last_too: bool = False) -> str:
    """The first non-empty line of `str(error)`, stripped ("" when there is none). With last_too, also the
    last one ("first ... last"): TF tracing errors start with "in user code:" and end with the cause."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return ""
    return f"{lines[0]} ... {lines[-1]}" if last_too and len(lines) > 1 else lines[0]


def typed_first_line(error: BaseException, last_too: bool = False) -> str:
    """`Type: first line` (just `Type` for an empty message)."""
    text = first_line(error, last_too)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# Errors crossing a process boundary (the translate child): class and one-line message, never a traceback.

def error_to_dict(error: BaseException) -> dict:
    """A JSON-able description of `error` that `error_from_dict` turns back into the same class and message."""
    import json

    cls = type(error)
    payload = {"module": cls.__module__, "class": cls.__name__, "message": str(error), "attributes": {}}
    try:
        payload["args"] = json.loads(json.dumps(error.args))     # str(KeyError("x")) is "'x'": keep the args
    except (TypeError, ValueError):
        pass
    for key, value in vars(error).items():         # e.g. TFStatusError.code
        try:
            payload["attributes"][key] = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            pass
    if isinstance(error, UnsupportedOpsError):      # its dict has tuple keys
        payload["missing"] = [[domain, op, version, count] for (domain, op, version), count in error.missing.items()]
    return payload


def error_from_dict(payload: dict) -> Exception:
    """The exception `error_to_dict` described: our own classes (so the exit code) come back as themselves;
    a builtin exception as itself; anything else as an Exception subclass of the same name (the one-line
    "internal error: Name: message" then reads as it would have in-process)."""
    module, name, message = payload.get("module", ""), payload.get("class", "Exception"), payload.get("message", "")
    cls = _converter_error_class(module, name)
    if cls is not None:
        error = cls.__new__(cls)              # not cls(message): some take more arguments
        Exception.__init__(error, message)
        for key, value in payload.get("attributes", {}).items():
            setattr(error, key, value)
        if issubclass(cls, UnsupportedOpsError):
            error.missing = {(d, op, v): count for d, op, v, count in payload.get("missing", [])}
        return error
    builtin = getattr(__import__("builtins"), name, None) if module == "builtins" else None
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        try:
            return builtin(*payload.get("args", [message]))
        except TypeError:      # e.g. UnicodeDecodeError takes five arguments
            pass
    return type(name, (Exception,), {"__module__": module})(message)


def _converter_error_class(module: str, name: str) -> type | None:
    if module != __name__ and not module.startswith("converter."):
        return None
    import importlib

    try:
        cls = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, ConverterError) else None
