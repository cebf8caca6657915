"""Collect exporter warnings worth showing to the user (tracer warnings) in user words."""
from __future__ import annotations

import contextlib
import logging
import os
import warnings

import torch

from converter.errors import first_line

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def collect_tracer_warnings(sink: list[str]):
    """Append one line per distinct TracerWarning raised inside the block to `sink`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        if issubclass(item.category, torch.jit.TracerWarning):
            text = first_line(item.message)
            line = (f"tracer: {text} (at {os.path.basename(item.filename)}:{item.lineno}); "
                    f"the exported graph is only valid for inputs that take the same path")
            if line not in sink:
                sink.append(line)
        else:
            logger.debug("exporter warning: %s: %s", item.category.__name__, item.message)
