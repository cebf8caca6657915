"""Write the exported ONNX file; weights go to external data when one protobuf could not hold them."""
from __future__ import annotations

import logging
from pathlib import Path

import onnx
import torch

logger = logging.getLogger(__name__)

# A protobuf cannot exceed 2 GiB; keep a margin for the graph itself. Tests lower it.
EXTERNAL_DATA_THRESHOLD_BYTES = 1_800_000_000


def module_weight_bytes(module) -> int:
    """Bytes of parameters, buffers and constants of an nn.Module / ScriptModule / ExportedProgram."""
    if isinstance(module, torch.export.ExportedProgram):
        tensors = list(module.state_dict.values()) + list(module.constants.values())
    else:
        tensors = list(module.state_dict().values())
    return sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor))


def uses_external_data(model: onnx.ModelProto) -> bool:
    return any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)


def data_file_name(path: Path) -> str:
    return path.name + ".data"


def finalize_onnx_file(path: Path, threshold: int | None = None) -> onnx.ModelProto:
    """Load the ONNX just written without its external data; externalise the weights if it is too big.

    Returns the proto as later stages get it: weights inside when small, references to
    `<name>.onnx.data` beside `path` when large (load them with onnx.load(path)).
    """
    threshold = EXTERNAL_DATA_THRESHOLD_BYTES if threshold is None else threshold
    model = onnx.load(str(path), load_external_data=False)
    if uses_external_data(model) or model.ByteSize() < threshold:
        return model
    logger.info("%s is %d bytes: moving weights to external data %s", path, model.ByteSize(), data_file_name(path))
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location=data_file_name(path), size_threshold=1024)
    return onnx.load(str(path), load_external_data=False)


def save_proto(model: onnx.ModelProto, path: Path) -> None:
    """Rewrite the graph of `path` keeping its external data references (written beside it)."""
    onnx.save(model, str(path))
