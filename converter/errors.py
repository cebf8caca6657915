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


class ParityError(ConverterError):
    """The converted model's outputs differ from the reference beyond tolerance."""

    exit_code = 1


class PublishError(ConverterError):
    """The version folder cannot be written (exists without --force, lock timeout, ...)."""

    exit_code = 2
