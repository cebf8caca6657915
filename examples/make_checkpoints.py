"""Write checkpoints of every format for one example model into a folder.

    python -m examples.make_checkpoints --model TinyResNet --out /tmp/ckpts

Files: state_dict.pt, train_loop.pth (dict with model_state_dict + optimizer), module.pt (pickled
nn.Module), traced.pt and scripted.pt (TorchScript), program.pt2 (torch.export, dynamic batch),
model.package.pt (torch.package, resource model/model.pkl), model.onnx. Everything is seeded.
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import torch

from examples import models

PACKAGE_RESOURCE = "model/model.pkl"


def example_args(name: str, batch: int = 2, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Seeded example inputs for `name` following its specs (batch replaced by `batch`)."""
    spec = models.EXAMPLES[name]
    generator = torch.Generator().manual_seed(seed)
    args = []
    for text in spec.inputs:
        input_name, dtype, shape_text = text.split(":")
        shape = (batch,) + tuple(int(d) for d in shape_text.split("x"))[1:]
        if dtype.startswith("float"):
            args.append(torch.randn(shape, generator=generator, dtype=getattr(torch, dtype)))
        else:
            low, high = spec.input_ranges.get(input_name, (0, 2))
            args.append(torch.randint(low, high, shape, generator=generator, dtype=getattr(torch, dtype)))
    return tuple(args)


def _save_exported_program(model, args, path: Path) -> None:
    batch = torch.export.Dim("batch")
    program = torch.export.export(model, args, dynamic_shapes=tuple({0: batch} for _ in args))
    torch.export.save(program, str(path))


def _save_package(model, path: Path) -> None:
    from torch.package import PackageExporter
    package, _, resource = PACKAGE_RESOURCE.rpartition("/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # TypedStorage deprecation noise from torch.package
        with PackageExporter(str(path)) as exporter:
            exporter.intern("examples.**")
            exporter.extern(["torch.**", "numpy.**"])
            exporter.save_pickle(package, resource, model)


def _save_onnx(model, args, names, path: Path) -> None:
    spec_names = [text.split(":")[0] for text in names.inputs]
    with warnings.catch_warnings():   # "axis name batch will not be used": every input shares one batch, as meant
        warnings.filterwarnings("ignore", message=".*axis name: batch will not be used")
        _export_onnx(model, args, spec_names, list(names.outputs), path)


def _export_onnx(model, args, input_names, output_names, path: Path) -> None:
    torch.onnx.export(model, args, str(path), dynamo=True, verbose=False, input_names=input_names,
                      output_names=output_names, external_data=False, opset_version=18,
                      dynamic_shapes=tuple({0: "batch"} for _ in args))


def write_checkpoints(name: str, out_dir: Path, seed: int = 0) -> dict[str, Path]:
    """Write every format for example `name` into `out_dir`; returns {label: path}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = models.build(name, seed)
    args = example_args(name, seed=seed)
    paths = {label: out_dir / file for label, file in (
        ("state_dict", "state_dict.pt"), ("train_loop", "train_loop.pth"), ("pickled_module", "module.pt"),
        ("traced", "traced.pt"), ("scripted", "scripted.pt"), ("exported_program", "program.pt2"),
        ("torch_package", "model.package.pt"), ("onnx", "model.onnx"))}
    torch.save(model.state_dict(), paths["state_dict"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": 0.25}, paths["train_loop"])
    torch.save(model, paths["pickled_module"])
    with torch.no_grad():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.jit.save(torch.jit.trace(model, args, strict=False), str(paths["traced"]))
        torch.jit.save(torch.jit.script(model), str(paths["scripted"]))
        _save_exported_program(model, args, paths["exported_program"])
        _save_package(model, paths["torch_package"])
        _save_onnx(model, args, models.EXAMPLES[name], paths["onnx"])
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="TinyResNet", choices=sorted(models.EXAMPLES))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for label, path in write_checkpoints(args.model, args.out, args.seed).items():
        print(f"{label:17s} {path}")


if __name__ == "__main__":
    main()
