"""Write one zoo model's checkpoint the way a user would save it, in the catalogue's format:

- trace:      torch.jit.trace + torch.jit.save (.pt)
- pt2:        torch.export.export with a dynamic batch dimension + torch.export.save (.pt2)
- onnx:       torch.onnx.export (torch's default exporter) with a dynamic batch axis (.onnx)
- state_dict: torch.save(model.state_dict()) (.pth), converted with --model-class ZooModule

Run as `python -m benchmarks.zoo.checkpoints NAME FOLDER` (the zoo does, one child process per model, so
each model's memory is returned); prints one line `ZOO_CHECKPOINT {json}` with the CLI arguments."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.zoo.architectures import ZooModule, calibrate_batchnorm, randomize_zero_weights
from benchmarks.zoo.catalogue import BY_NAME, ZooModel

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = {"trace": ".pt", "pt2": ".pt2", "onnx": ".onnx", "state_dict": ".pth"}


def example_inputs(model: ZooModel, batch: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Random inputs of the catalogue's shapes at `batch`: normal floats, integers in the input's range."""
    rng = np.random.default_rng(seed)
    tensors = []
    for spec in model.inputs:
        name, dtype, shape = spec.split(":")
        dims = [batch, *(int(d) for d in shape.split("x")[1:])]
        if dtype.startswith("float"):
            tensors.append(torch.from_numpy(rng.standard_normal(dims).astype(dtype)))
        else:
            low, high = model.input_ranges.get(name, (0, 2))
            tensors.append(torch.from_numpy(rng.integers(low, high, size=dims).astype(dtype)))
    return tuple(tensors)


def build_calibrated(model: ZooModel) -> ZooModule:
    torch.manual_seed(0)
    module = ZooModule(model.arch)
    randomize_zero_weights(module)
    calibrate_batchnorm(module, lambda index: example_inputs(model, 4, 100 + index))
    return module.eval()


def write_checkpoint(model: ZooModel, folder: Path) -> dict:
    """Save the checkpoint; returns {"checkpoint": path, "args": extra CLI args, "seconds": ...}."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    module = build_calibrated(model)
    example = example_inputs(model, 2, 0)
    path = folder / f"{model.name}{SUFFIX[model.format]}"
    extra: list[str] = []
    names = [spec.split(":")[0] for spec in model.inputs]
    with torch.no_grad():
        if model.format == "trace":
            torch.jit.save(torch.jit.trace(module, example), str(path))
        elif model.format == "pt2":
            batch = torch.export.Dim("batch", min=1, max=1024)
            program = torch.export.export(module, example, dynamic_shapes=tuple({0: batch} for _ in example))
            torch.export.save(program, str(path))
        elif model.format == "onnx":
            axes = {name: {0: "batch"} for name in [*names, *model.outputs]}
            torch.onnx.export(module, example, str(path), input_names=names, output_names=list(model.outputs),
                              dynamic_axes=axes, opset_version=18)
        elif model.format == "state_dict":
            torch.save(module.state_dict(), str(path))
            extra = ["--model-class", "benchmarks.zoo.architectures:ZooModule",
                     "--model-kwargs", json.dumps({"arch": model.arch}), "--model-path", str(ROOT)]
        else:
            raise ValueError(f"unknown checkpoint format {model.format!r}")
    parameters = sum(p.numel() for p in module.parameters())
    return {"checkpoint": str(path), "args": extra, "seconds": round(time.perf_counter() - start, 2),
            "parameters": parameters, "bytes": sum(f.stat().st_size for f in folder.glob(f"{model.name}*"))}


def main(argv: list[str]) -> int:
    import logging
    import warnings

    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter("ignore")
    model, folder = BY_NAME[argv[0]], Path(argv[1])
    result = write_checkpoint(model, folder)
    print("ZOO_CHECKPOINT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
