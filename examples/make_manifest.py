"""Write a convert-many manifest of the example models, with their checkpoints, into a folder.

    python -m examples.make_manifest --out /tmp/demo          # then: torch2serving convert-many /tmp/demo/models.yaml

The default plan is ten entries over six model names, three of them converted more than once from other
checkpoint formats (so they publish versions 1, 2, 3 in manifest order): the benchmark's manifest
(benchmarks/convert_many.py). Written as YAML when PyYAML is installed, else as JSON.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from examples import models

PROJECT_ROOT = Path(__file__).resolve().parents[1]        # the folder holding `examples`: --model-path

# (model name, example class, checkpoint format label of make_checkpoints.write_checkpoints)
DEFAULT_PLAN = (
    ("resnet", "TinyResNet", "state_dict"),
    ("two", "TwoInTwoOut", "state_dict"),
    ("encoder", "TinyTransformerEncoder", "state_dict"),
    ("resnet", "TinyResNet", "traced"),
    ("lstm", "SequenceClassifierLSTM", "state_dict"),
    ("two_dict", "TwoInTwoOutDict", "state_dict"),
    ("two", "TwoInTwoOut", "onnx"),
    ("gru", "SequenceClassifierGRU", "state_dict"),
    ("resnet", "TinyResNet", "exported_program"),
    ("encoder", "TinyTransformerEncoder", "onnx"),
)
WEIGHTS_ONLY = ("state_dict", "train_loop")       # the formats that need --model-class


def manifest_entry(name: str, example: str, checkpoint: Path, label: str) -> dict:
    """The manifest fields converting `checkpoint` (format `label`) of example `example` as model `name`."""
    spec = models.EXAMPLES[example]
    entry: dict = {"name": name, "checkpoint": str(checkpoint), "input": list(spec.inputs), "output": list(spec.outputs)}
    if label in WEIGHTS_ONLY:
        entry["model_class"] = spec.model_class
        if spec.model_kwargs:
            entry["model_kwargs"] = dict(spec.model_kwargs)
    if spec.input_ranges:
        entry["input_range"] = {key: list(value) for key, value in spec.input_ranges.items()}
    return entry


def write_manifest(out_dir: Path, plan=DEFAULT_PLAN, defaults: dict | None = None) -> Path:
    """Checkpoints under out_dir/checkpoints/<example>/ and out_dir/models.yaml (or .json) for `plan`;
    checkpoint paths relative to the manifest. Returns the manifest's path."""
    from examples.make_checkpoints import write_checkpoints

    out_dir = Path(out_dir)
    written: dict[str, dict[str, Path]] = {}
    entries = []
    for name, example, label in plan:
        if example not in written:
            written[example] = write_checkpoints(example, out_dir / "checkpoints" / example)
        entries.append(manifest_entry(name, example, written[example][label].relative_to(out_dir), label))
    data = {"defaults": {"model_path": str(PROJECT_ROOT), **(defaults or {})}, "models": entries}
    try:
        import yaml
    except ImportError:
        path = out_dir / "models.json"
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path
    path = out_dir / "models.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(write_manifest(args.out))


if __name__ == "__main__":
    main()
