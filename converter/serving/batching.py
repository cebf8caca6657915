"""serving_models/batching_parameters.txt for `tensorflow_model_server --enable_batching`.

Server-side batching concatenates requests along dimension 0 of every input, so each signature
input must have a dynamic (-1) batch dimension; we refuse to write the file otherwise.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from google.protobuf import text_format

from converter.errors import BadInputError
from converter.serving.protos.batching_pb2 import BatchingParameters

log = logging.getLogger(__name__)

BATCHING_FILENAME = "batching_parameters.txt"
DEFAULTS = {
    "max_batch_size": 32,
    "batch_timeout_micros": 1000,      # wait up to 1 ms to fill a batch
    "max_enqueued_batches": 100,
    "num_batch_threads": os.cpu_count() or 1,
    "allowed_batch_sizes": (),
    "pad_variable_length_inputs": False,
}


def check_batchable(signature_inputs: dict[str, tuple[tuple[int, ...], str]]) -> list[str]:
    """Refuse inputs without a -1 batch dim (call before publishing); return inputs needing padding."""
    if not signature_inputs:
        raise BadInputError("--batching: the signature has no inputs to batch")
    fixed = [f"{name} {list(shape)}" for name, (shape, _) in signature_inputs.items()
             if len(shape) == 0 or shape[0] not in (-1, None)]
    if fixed:
        raise BadInputError(f"--batching: input(s) {', '.join(fixed)} lack a dynamic (-1) batch dimension; "
                            "TF Serving batching concatenates on dim 0, so export with a dynamic batch or drop --batching")
    return [name for name, (shape, _) in signature_inputs.items() if any(d in (-1, None) for d in shape[1:])]


def build_batching_parameters(**params) -> BatchingParameters:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise BadInputError(f"--batching: unknown parameter(s) {', '.join(sorted(unknown))}; known: {', '.join(DEFAULTS)}")
    values = {**DEFAULTS, **params}
    for key in ("max_batch_size", "num_batch_threads", "max_enqueued_batches"):
        if int(values[key]) < 1:
            raise BadInputError(f"--batching: {key}={values[key]} must be at least 1")
    if int(values["batch_timeout_micros"]) < 0:
        raise BadInputError(f"--batching: batch_timeout_micros={values['batch_timeout_micros']} must be >= 0")
    allowed = [int(s) for s in values["allowed_batch_sizes"]]
    if allowed and (allowed != sorted(set(allowed)) or allowed[-1] != int(values["max_batch_size"]) or allowed[0] < 1):
        raise BadInputError(f"--batching: allowed_batch_sizes {allowed} must be increasing, positive, and end at "
                            f"max_batch_size ({values['max_batch_size']}), as TF Serving requires")
    message = BatchingParameters(allowed_batch_sizes=allowed,
                                 pad_variable_length_inputs=bool(values["pad_variable_length_inputs"]))
    for key in ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads"):
        getattr(message, key).value = int(values[key])
    return message


def write_batching_parameters(serving_root: Path, signature_inputs: dict[str, tuple[tuple[int, ...], str]],
                              **params) -> Path:
    """Write serving_root/batching_parameters.txt atomically; params override DEFAULTS. `comments` (a list
    of lines, from --batching auto) are written above the values as `#` lines (text format comments)."""
    comments = list(params.pop("comments", ()) or ())
    variable = check_batchable(signature_inputs)
    if variable and not params.get("pad_variable_length_inputs", False):
        log.warning("--batching: inputs %s have dynamic non-batch dims; requests of different lengths will fail "
                    "to batch unless pad_variable_length_inputs=True", ", ".join(variable))
    message = build_batching_parameters(**params)
    serving_root = Path(serving_root)
    serving_root.mkdir(parents=True, exist_ok=True)
    target = serving_root / BATCHING_FILENAME
    fd, tmp = tempfile.mkstemp(prefix=".batching.", dir=serving_root)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"# {line}\n" for line in comments) + text_format.MessageToString(message))
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    log.info("wrote %s", target)
    return target


def read_batching_parameters(path: Path) -> BatchingParameters:
    try:
        return text_format.Parse(Path(path).read_text(), BatchingParameters())
    except text_format.ParseError as err:
        raise BadInputError(f"{path}: not a valid BatchingParameters text proto ({err})") from err
