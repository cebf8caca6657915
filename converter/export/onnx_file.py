"""An existing .onnx checkpoint: used as it is, with inputs/outputs renamed to the names asked for."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx

from converter.checkpoint import LoadedCheckpoint
from converter.config import ConversionConfig
from converter.errors import BadInputError
from converter.export import save
from converter.export.names import apply_io_names

logger = logging.getLogger(__name__)


def check_input_specs(model: onnx.ModelProto, config: ConversionConfig, source: str) -> None:
    """Each --input must agree with the graph input at its position in dtype and rank."""
    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    for spec, info in zip(config.inputs, graph_inputs):
        tensor_type = info.type.tensor_type
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor_type.elem_type))
        rank = len(tensor_type.shape.dim) if tensor_type.HasField("shape") else len(spec.shape)
        if dtype != np.dtype(spec.np_dtype) or rank != len(spec.shape):
            raise BadInputError(f"--input {spec.name}:{spec.dtype}:{'x'.join(map(str, spec.shape))}: the ONNX "
                                f"model {source} takes {info.name!r} as {dtype.name} of rank {rank}; "
                                f"match its dtype and rank")


def from_onnx_file(loaded: LoadedCheckpoint, config: ConversionConfig, work_dir: Path):
    """(model, onnx_path, notes). The original file is returned untouched when the names already match."""
    model = onnx.ModelProto()
    model.CopyFrom(loaded.onnx_model)
    notes = apply_io_names(model, [spec.name for spec in config.inputs], list(config.outputs), str(loaded.path))
    check_input_specs(model, config, str(loaded.path))
    if not notes:
        return loaded.onnx_model, Path(loaded.path), []
    path = work_dir / f"{config.name}.onnx"
    if save.uses_external_data(model):
        # references are relative to the model's folder: load the data and write it again beside the copy
        onnx.load_external_data_for_model(model, str(Path(loaded.path).parent))
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                  location=save.data_file_name(path), size_threshold=1024)
        model = onnx.load(str(path), load_external_data=False)
    else:
        onnx.save(model, str(path))
    return model, path, notes
